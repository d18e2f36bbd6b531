/**
 * Mints a development JWT (HS256) for the edge:
 *   npm run token -- --sub alice [--scope "chat"] [--ttl 3600] [--iss switchyard-dev] [--aud switchyard]
 * The secret comes from SWITCHYARD_JWT_SECRET, else from .dev.vars at the repository root
 * (what `npm start` generates). Prints only the token, so `TOKEN=$(npm run -s token -- --sub alice)` works.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { mintDevToken } from "../src/middleware/auth/dev-token";

export { mintDevToken };

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** KEY=VALUE lines of a .dev.vars file (quotes stripped, comments ignored). */
export function readDevVars(path = resolve(ROOT, ".dev.vars")): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return {};
  }
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m?.[1] || line.trimStart().startsWith("#")) continue;
    vars[m[1]] = (m[2] ?? "").replace(/^(["'])(.*)\1$/, "$2");
  }
  return vars;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: "string" },
      scope: { type: "string", default: "chat" },
      ttl: { type: "string", default: "3600" },
      iss: { type: "string" },
      aud: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || !values.sub) {
    process.stderr.write(
      "usage: npm run token -- --sub <subject> [--scope chat] [--ttl 3600] [--iss switchyard-dev] [--aud switchyard]\n",
    );
    process.exit(values.help ? 0 : 2);
  }
  const devVars = readDevVars();
  const secret = process.env.SWITCHYARD_JWT_SECRET || devVars.SWITCHYARD_JWT_SECRET;
  if (!secret) {
    process.stderr.write(
      "No SWITCHYARD_JWT_SECRET in the environment or .dev.vars (run `npm start` once to generate one).\n",
    );
    process.exit(1);
  }
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) {
    process.stderr.write("--ttl must be a positive number of seconds\n");
    process.exit(2);
  }
  const token = await mintDevToken({
    sub: values.sub,
    secret,
    scope: values.scope ?? "chat",
    ttlSeconds: ttl,
    issuer:
      values.iss ?? process.env.SWITCHYARD_JWT_ISSUER ?? devVars.SWITCHYARD_JWT_ISSUER ?? "switchyard-dev",
    audience:
      values.aud ?? process.env.SWITCHYARD_JWT_AUDIENCE ?? devVars.SWITCHYARD_JWT_AUDIENCE ?? "switchyard",
  });
  process.stdout.write(`${token}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
