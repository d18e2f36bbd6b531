import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const CLASSIFIER_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The virtual environment `npm run router -- setup` creates. */
export const ROUTER_VENV = join(CLASSIFIER_DIR, ".venv");
export const REQUIREMENTS = join(CLASSIFIER_DIR, "requirements.txt");
/** Modules train.py imports; checked up front so a missing one is explained, not a traceback. */
const REQUIRED_MODULES = ["lightgbm", "numpy", "sklearn", "onnx", "onnxmltools"];

const shown = (path: string) => relative(process.cwd(), path) || path;

/** How to install the training dependencies, in one line each. */
export const INSTALL_HINT = [
  "Install the router's Python dependencies once, either way:",
  "  npm run router -- setup        (creates classifier/.venv; train and evaluate use it)",
  `  python3 -m pip install -r ${shown(REQUIREMENTS)}`,
].join("\n");

/**
 * The Python that runs training: $PYTHON, else classifier/.venv (from `setup`), else python3.
 *
 * @example spawnSync(routerPython(), ["classifier/python/train.py", ...])
 */
export function routerPython(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PYTHON) return env.PYTHON;
  const venvPython = join(ROUTER_VENV, "bin", "python");
  return existsSync(venvPython) ? venvPython : "python3";
}

/** Throws an Error that says how to install them when a training dependency is missing. */
export function assertPythonDeps(python: string): void {
  const probe = spawnSync(
    python,
    [
      "-c",
      `import importlib.util, sys; missing = [m for m in ${JSON.stringify(REQUIRED_MODULES)} if importlib.util.find_spec(m) is None]; print(" ".join(missing)); sys.exit(1 if missing else 0)`,
    ],
    { encoding: "utf8" },
  );
  if (probe.error) throw new Error(`cannot run ${python}: ${probe.error.message}\n${INSTALL_HINT}`);
  if (probe.status !== 0) {
    const missing = probe.stdout.trim() || "(unknown)";
    throw new Error(`${python} lacks the Python modules training needs: ${missing}\n${INSTALL_HINT}`);
  }
}

/**
 * `npm run router -- setup`: creates classifier/.venv and installs requirements.txt into it.
 * Returns the venv's Python.
 */
export function setupPythonEnv(python = process.env.PYTHON ?? "python3"): string {
  const run = (cmd: string, args: string[]) => {
    process.stderr.write(`$ ${cmd} ${args.join(" ")}\n`);
    const res = spawnSync(cmd, args, { stdio: "inherit" });
    if (res.error) throw new Error(`cannot run ${cmd}: ${res.error.message}`);
    if (res.status !== 0)
      throw new Error(
        `${cmd} ${args[0] ?? ""} failed (exit ${res.status}); on Debian, python3 -m venv needs: apt-get install python3-venv`,
      );
  };
  run(python, ["-m", "venv", ROUTER_VENV]);
  const venvPython = join(ROUTER_VENV, "bin", "python");
  run(venvPython, ["-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", REQUIREMENTS]);
  assertPythonDeps(venvPython);
  return venvPython;
}
