// What a site build says about itself, in the same words for the CLI and the action's job summary. Pure.
import type { SiteBuild } from './flow.ts';
import type { SiteWriteResult } from './write.ts';

export function siteSummaryLines(build: SiteBuild, written: SiteWriteResult, out: string): string[] {
  const integrity =
    'error' in build.integrity
      ? `gate integrity not checked: ${build.integrity.error}`
      : `gate integrity: ${build.integrity.findings} finding(s), ${build.integrity.allowed} allowed emergency push(es)`;
  const github = !build.github
    ? 'GitHub: not read (pass --github with GITHUB_TOKEN for open promotions and evidence bundles)'
    : 'error' in build.github
      ? `GitHub: could not be read: ${build.github.error}`
      : `GitHub: ${build.github.promotions} open promotion(s), ${build.github.bundles} evidence bundle(s), ${build.github.calls} API call(s)`;
  return [
    `Site for ${build.ref} at ${build.shown.sha.slice(0, 12)}${build.at ? ` (as of ${build.at.time})` : ''}: ${build.files.length} pages, ${build.models} models, ${build.versions} versions`,
    `${written.written.length} written, ${written.unchanged} unchanged, ${written.removed.length} removed in ${out}`,
    integrity,
    github,
  ];
}
