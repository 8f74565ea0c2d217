/**
 * FAKE of the Azure Functions Node.js worker's '@azure/functions-core' module: the boundary we cannot run
 * here (the real one exists only inside the Functions host's worker process). It implements just what
 * @azure/functions calls while the app registers its functions, records each registration's metadata
 * (exactly the object the worker would send to the host), and prints them as one JSON line on exit.
 * Kept as CommonJS source text because @azure/functions require()s it by name; hostMetadata.test.ts
 * writes it where NODE_PATH finds it.
 */
export const FAKE_FUNCTIONS_CORE_MARKER = 'FAKE_FUNCTIONS_CORE ';

export const fakeFunctionsCoreSource = `'use strict';

const registered = [];
let programmingModel;

module.exports = {
  setProgrammingModel(model) {
    programmingModel = model;
  },
  getProgrammingModel() {
    return programmingModel;
  },
  registerFunction(metadata, _callback) {
    registered.push(metadata);
    return { dispose() {} };
  },
  registerHook(_name, _callback) {
    return { dispose() {} };
  },
  log(_level, _category, _message) {},
};

process.on('exit', () => {
  process.stdout.write(
    \`FAKE_FUNCTIONS_CORE \${JSON.stringify({ programmingModel: programmingModel && { name: programmingModel.name, version: programmingModel.version }, functions: registered })}\n\`,
  );
});
`;
