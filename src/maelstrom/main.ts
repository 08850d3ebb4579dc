// Placeholder: the node binary lands with issue 2.
process.stderr.write('raft: not built yet\n');
process.exit(1);
