// Jest transform: a .sse transcript is imported as its text, as esbuild's text loader does in the build.
module.exports = {
  process(source) {
    return { code: `module.exports = { __esModule: true, default: ${JSON.stringify(source)} };` };
  },
};
