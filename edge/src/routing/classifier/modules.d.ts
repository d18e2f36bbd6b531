// Module shapes wrangler gives these imports (see the [[rules]] in wrangler.toml).
declare module "*.onnx" {
  const data: ArrayBuffer;
  export default data;
}
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
