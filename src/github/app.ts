// The GitHub App Tollgate runs as: the one table of the permissions it needs, each with the features that need it.
// `tollgate app manifest` builds GitHub's App manifest from it, and `npm run docs` renders it into docs/github.md,
// so what an adopter grants and what the docs say it is for cannot drift apart. Pure data and functions; no imports,
// so the docs script can load it directly.

export interface AppPermission {
  /** The key in the manifest's `default_permissions` (GitHub's REST name). */
  key: string;
  /** As GitHub's App settings page shows it. */
  label: string;
  scope: 'repository' | 'organization';
  access: 'read' | 'write';
  /** What in Tollgate needs it. */
  neededBy: string;
}

/**
 * Everything the App token does, and nothing more. The scheduler's tick, validate and evidence workflows use the
 * workflow's own GITHUB_TOKEN instead (as does the scheduler's escalation sweep for incident issues), and
 * `tollgate init --apply` the administrator's token, so their permissions (Actions: write, Issues: write,
 * Administration: write) are not the App's.
 */
export const APP_PERMISSIONS: readonly AppPermission[] = [
  {
    key: 'contents',
    label: 'Contents',
    scope: 'repository',
    access: 'write',
    neededBy:
      'pushing the branches of retrain, promotion, rollback, incident and postmortem pull requests; the retrain ' +
      'lock branch `tollgate/lock/retrain/<model>` (created and deleted); merging its own state-only pull ' +
      'requests (an emergency rollback is pushed with the emergency push key, a deploy key, not the App)',
  },
  {
    key: 'pull_requests',
    label: 'Pull requests',
    scope: 'repository',
    access: 'write',
    neededBy:
      'opening and updating those pull requests, requesting the reviewers a promotion needs, their labels, the ' +
      "gate's summary comment, auto-merge of state-only pull requests; reading reviews and changed files for the gate",
  },
  {
    key: 'checks',
    label: 'Checks',
    scope: 'repository',
    access: 'write',
    neededBy: 'the required check `tollgate/signoff` that the sign-off gate posts and updates',
  },
  {
    key: 'metadata',
    label: 'Metadata',
    scope: 'repository',
    access: 'read',
    neededBy:
      "every call (GitHub grants it to every App); the gate reads each approver's access to the repository",
  },
  {
    key: 'members',
    label: 'Members',
    scope: 'organization',
    access: 'read',
    neededBy:
      'the gate checks that an approver is an active member of the team that holds a role (without it the gate ' +
      'fails closed); the daily sign-off digest names who can sign for a team',
  },
];

/**
 * Webhook events the App subscribes to: none. Tollgate runs inside GitHub Actions, whose workflows are started
 * by the repository's own events; the App only lends its token.
 */
export const APP_EVENTS: readonly string[] = [];

export interface AppManifestOptions {
  /** The App's name on GitHub (unique across GitHub; the person creating it can still change it). */
  name: string;
  /** Its homepage: required by GitHub. */
  url: string;
  description?: string;
}

/** GitHub's App manifest ("register a GitHub App from a manifest"): private, no webhook, exactly APP_PERMISSIONS. */
export function appManifest(options: AppManifestOptions) {
  return {
    name: options.name,
    url: options.url,
    description:
      options.description ??
      'Tollgate: opens the registry pull requests, posts the sign-off check and merges its own state changes.',
    public: false,
    // GitHub asks for a webhook URL; the App receives no events, so the hook stays inactive.
    hook_attributes: { url: options.url, active: false },
    default_events: [...APP_EVENTS],
    default_permissions: Object.fromEntries(APP_PERMISSIONS.map((p) => [p.key, p.access])),
  };
}

/** Where the manifest is posted: a personal account's or an organization's "new GitHub App" page. */
export function appCreationUrl(serverUrl: string, organization?: string): string {
  const base = serverUrl.replace(/\/+$/, '');
  return organization === undefined
    ? `${base}/settings/apps/new`
    : `${base}/organizations/${encodeURIComponent(organization)}/settings/apps/new`;
}

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * A page whose button posts the manifest to GitHub, which is how the manifest flow starts (GitHub accepts it only
 * as a form POST). No script: the manifest is the value of a hidden field.
 */
export function appManifestPage(manifest: ReturnType<typeof appManifest>, action: string): string {
  const rows = APP_PERMISSIONS.map(
    (p) => `<li><b>${escapeHtml(p.label)}</b> (${p.scope}): ${p.access}: ${escapeHtml(p.neededBy)}</li>`,
  );
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Create the Tollgate GitHub App</title></head><body>',
    `<h1>Create the GitHub App “${escapeHtml(manifest.name)}”</h1>`,
    `<p>GitHub will show the App before creating it. Permissions:</p><ul>${rows.join('')}</ul>`,
    '<p>No webhook events. The App is private: only its owner can install it.</p>',
    `<form action="${escapeHtml(action)}" method="post">`,
    `<input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(manifest))}">`,
    '<button type="submit">Create the GitHub App on GitHub</button>',
    '</form></body></html>',
    '',
  ].join('\n');
}

/** The markdown table in docs/github.md. */
export function appPermissionsTable(): string {
  return [
    '| permission | access | what needs it |',
    '| --- | --- | --- |',
    ...APP_PERMISSIONS.map(
      (p) =>
        `| ${p.label}${p.scope === 'organization' ? ' (organization)' : ''} | ${p.access} | ${p.neededBy.replace(/\|/g, '\\|')} |`,
    ),
  ].join('\n');
}
