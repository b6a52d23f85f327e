// Entry point of the CLI bundle (cli/dist/index.js) and of `node src/cli/index.ts` in development.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
