// The light build of Bottleneck (no Redis clustering) is what @octokit/plugin-throttling itself uses;
// importing the same build keeps one copy in the action bundles. Its types are the full package's.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}
