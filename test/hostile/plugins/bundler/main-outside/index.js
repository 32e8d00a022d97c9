// Bundler attack: package.json "main" names a file outside the directory, so discovery picks it as
// the entry point. This index.js is what a plugin without "main" would use.
module.exports = {};
