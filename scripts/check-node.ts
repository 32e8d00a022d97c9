// npm scripts must run on the pinned Node 24 (the `node` devDependency), never the machine's own.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`Node ${process.version} is running the tests; Node 24 is required (npm ci installs it as a devDependency)\n`);
  process.exit(1);
}
