// Placeholder until the bench lands (issue 3).
export async function runBenchCli(_args: string[]): Promise<number> {
  process.stderr.write('raftchart test: the bench is not built yet\n');
  return 2;
}
