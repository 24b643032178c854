// Amounts of ETH for people: wei as a decimal ETH string, trailing zeros dropped.
export function formatEth(wei: bigint): string {
  const sign = wei < 0n ? '-' : '';
  const abs = wei < 0n ? -wei : wei;
  const whole = abs / 10n ** 18n;
  const frac = (abs % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return sign + (frac === '' ? whole.toString() : `${whole}.${frac}`);
}
