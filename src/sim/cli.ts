// Placeholder until the simulator lands (issue 5).
export async function runSimCli(_args: string[]): Promise<number> {
  process.stderr.write('raftchart sim: the simulator is not built yet\n');
  return 2;
}
