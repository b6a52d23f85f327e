// What a command tells the user about their checkout after a transaction moved the branch they stand on.
import type { CheckoutUpdate } from '../git/transaction.ts';

/** Lines for the paths whose local copy was the user's own work and so was left as it was. */
export function checkoutNote(checkout: CheckoutUpdate): string[] {
  if (checkout.kept.length === 0) return [];
  return [
    `  note: your copy of ${checkout.kept.join(', ')} has changes of your own, so it was left as it was; the commit holds Tollgate's version (\`git diff HEAD -- <path>\` shows the difference)`,
  ];
}
