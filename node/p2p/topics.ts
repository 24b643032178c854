// Gossip topics. The trailing number is the message format version: a change that old
// nodes cannot read gets a new topic rather than confusing them.
export const TOPICS = {
  jobs: 'verity/jobs/1',
  results: 'verity/results/1',
  challenges: 'verity/challenges/1',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];
