// The raftchart command line: dispatches to the bench (`test`) and the
// deterministic simulator (`sim`).
import { runAnalyzeCli } from './bench/analyze.js';
import { runBenchCli } from './bench/cli.js';
import { runSimCli } from './sim/cli.js';

const USAGE = `usage: raftchart <command> [options]

commands:
  test    run a Maelstrom-compatible test against any node binary
          (raftchart test --help for the flags)
  analyze check a stored run's history again (raftchart analyze --help)
  sim     deterministic simulation of whole raftchart clusters
          (raftchart sim --help for the flags)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'test':
      return runBenchCli(rest);
    case 'analyze':
      return runAnalyzeCli(rest);
    case 'sim':
      return runSimCli(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`raftchart: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

// A reader that goes away (`raftchart sim --seeds 1000 | head`) is not an
// error of ours: stop quietly, as Unix tools do, instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`raftchart: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
