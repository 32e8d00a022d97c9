// npm runs this before it builds any dependency (isolated-vm compiles from source under a Node it
// has no prebuilt binary for, and fails with pages of compiler output). Plain CommonJS from
// before Node 24 on purpose: it must run, and say one clear thing, under the old Node it refuses.
'use strict';
var fs = require('fs');
var path = require('path');
// a git checkout installs its pinned Node 24 (the `node` devDependency) in this same `npm ci`; npm
// runs a root project's preinstall only after its dependencies, so there is nothing to guard there
if (fs.existsSync(path.join(__dirname, '..', 'src', 'main.ts'))) process.exit(0);
var major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    'kong-sandbox-pluginserver: Node.js 24 or newer is required, npm is running Node ' + process.version +
      ' (' + process.execPath + '); install Node 24 (https://nodejs.org/en/download) and run npm with it first on PATH\n',
  );
  process.exit(1);
}
