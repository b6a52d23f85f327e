// The reviews the gate reads from a pull request's review context, for shells other than the sign-off action.
// (The action's own reviewsOf must give the same answer: tests/evidence/signoff-recheck.test.ts compares them.
// A CLI module must not import the action's file: a bundle would run its entry guard.)
import type { ReviewContext } from '../github/review-context.ts';
import type { Review } from './types.ts';

/** Submitted reviews as the gate reads them: PENDING drafts and reviews without an author or commit dropped. */
export function submittedReviews(context: ReviewContext): Review[] {
  return context.reviews.flatMap((review): Review[] => {
    if (review.state === 'PENDING' || !review.author || !review.commitSha || !review.submittedAt) return [];
    return [
      {
        login: review.author,
        state: review.state,
        commitId: review.commitSha,
        submittedAt: review.submittedAt,
        ...(review.authorIsBot ? { isBot: true } : {}),
      },
    ];
  });
}
