// Entry point of the CLI bundle (cli/dist/index.js) and of `node src/cli/index.ts` in development.
import { main } from './main.ts';

// A reader that stops early (`tollgate history | head`) closes the pipe: that ends the output, not in a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
