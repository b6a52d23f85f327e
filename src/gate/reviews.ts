// The reviews the gate reads from a pull request's review context: one reading for the sign-off action and for
// `audit verify`'s re-evaluation, so both judge the same reviews.
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
