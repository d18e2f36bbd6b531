/**
 * infra/terraform with what runs offline: OpenTofu's formatter (`tofu fmt -check`), every file
 * parsed by python-hcl2, and the contract of the module: every variable typed, described, used
 * and documented in the README; every output described; model ids only from the catalogue; the
 * Worker's secrets only in secret bindings. The providers cannot be downloaded here, so `tofu
 * validate`/`plan` do not run (infra/terraform/README.md says so).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findPythonModule, findTool, infraDir, repoRoot, run } from "./tools";

const tofu = findTool("tofu");
const python = findPythonModule("hcl2");
const dir = join(infraDir, "terraform");
const files = readdirSync(dir).filter((f) => f.endsWith(".tf"));

type Block = Record<string, unknown>;
type Parsed = Record<string, Block[] | undefined>;
const unquote = (s: string) => s.replace(/^"|"$/g, "");

/** Every .tf file as python-hcl2 parses it (fails the test on a syntax error). */
function parseAll(): Record<string, Parsed> {
  const script =
    "import hcl2, json, sys\nprint(json.dumps({f: hcl2.load(open(f)) for f in sys.argv[1:]}, default=str))";
  const result = run(python as string, ["-c", script, ...files], { cwd: dir });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout);
}

/** name -> body of each block of `kind` (variable, output) across files. */
function blocks(parsed: Record<string, Parsed>, kind: string): Map<string, Block> {
  const out = new Map<string, Block>();
  for (const file of Object.values(parsed))
    for (const entry of file[kind] ?? [])
      for (const [name, body] of Object.entries(entry)) out.set(unquote(name), body as Block);
  return out;
}

describe.skipIf(!python)("infra/terraform (parsed with python-hcl2)", () => {
  const parsed = parseAll();
  const variables = blocks(parsed, "variable");
  const outputs = blocks(parsed, "output");
  const readme = readFileSync(join(dir, "README.md"), "utf8");
  const sources = Object.fromEntries(files.map((f) => [f, readFileSync(join(dir, f), "utf8")]));

  it("declares the resources the deployment needs", () => {
    const types = new Set<string>();
    for (const file of Object.values(parsed))
      for (const entry of file.resource ?? [])
        for (const type of Object.keys(entry)) types.add(unquote(type));
    for (const type of [
      "cloudflare_worker",
      "cloudflare_worker_version",
      "cloudflare_workers_deployment",
      "cloudflare_workers_route",
      "upstash_redis_database",
      "neon_project",
      "neon_branch",
      "neon_role",
      "neon_database",
      "google_container_cluster",
      "google_container_node_pool",
      "helm_release",
      "kubernetes_secret",
    ])
      expect([...types]).toContain(type);
  });

  it("every variable has a type and a description, is used, and is in the README", () => {
    expect(variables.size).toBeGreaterThan(10);
    for (const [name, body] of variables) {
      expect(body.type, `${name}: type`).toBeTruthy();
      expect(String(body.description ?? "").length, `${name}: description`).toBeGreaterThan(10);
      const used = Object.entries(sources).some(
        ([file, text]) => file !== "variables.tf" && new RegExp(`\\bvar\\.${name}\\b`).test(text),
      );
      expect(used, `${name} is declared but never used`).toBe(true);
      expect(readme, `${name} is not documented in infra/terraform/README.md`).toContain(`| \`${name}\` |`);
    }
    // And nothing uses a variable that is not declared.
    for (const text of Object.values(sources))
      for (const [, name] of text.matchAll(/\bvar\.([a-z0-9_]+)/g))
        expect(variables.has(name as string), name).toBe(true);
  });

  it("every output is described; those carrying secrets are sensitive", () => {
    for (const [name, body] of outputs) {
      expect(String(body.description ?? "").length, name).toBeGreaterThan(10);
      if (/key|token|database_url|password/.test(name)) expect(body.sensitive, name).toBe(true);
    }
  });

  it("model ids come from backends/models.json, and backends are reached over TLS only", () => {
    const catalogue = JSON.parse(readFileSync(join(repoRoot, "backends", "models.json"), "utf8")) as {
      models: { id: string }[];
    };
    for (const [file, text] of Object.entries(sources))
      for (const { id } of catalogue.models)
        expect(text.includes(`"${id}"`), `${file} spells out ${id}`).toBe(false);
    // HCL's own interpolation, not a template string.
    expect(sources["main.tf"]).toContain(['file("$', '{path.module}/../../backends/models.json")'].join(""));
    expect(sources["main.tf"]).toMatch(/backend_urls\s*=.*"https:\/\//);
  });

  it("the Worker gets its secrets as secret bindings and the Durable Object with its SQLite migration", () => {
    const worker = sources["cloudflare.tf"] as string;
    expect(worker).toMatch(/type = "secret_text"/);
    expect(worker).toMatch(/type = "durable_object_namespace", name = "SWITCHYARD_METRICS_AGGREGATOR"/);
    expect(worker).toMatch(/new_sqlite_classes = \["MetricsAggregator"\]/);
    const secrets = /edge_secrets = \{([^}]*)\}/.exec(worker)?.[1] ?? "";
    for (const name of [
      "SWITCHYARD_API_KEYS",
      "SWITCHYARD_BACKEND_API_KEY",
      "UPSTASH_REDIS_REST_TOKEN",
      "DATABASE_URL",
    ])
      expect(secrets).toContain(name);
    // The same Durable Object class and compatibility date as wrangler.toml.
    const wrangler = readFileSync(join(repoRoot, "wrangler.toml"), "utf8");
    const date = (text: string) => /compatibility_date\s*=\s*"([^"]+)"/.exec(text)?.[1];
    expect(date(worker)).toBe(date(wrangler));
    expect(wrangler).toContain('class_name = "MetricsAggregator"');
  });
});

describe.skipIf(!tofu)("infra/terraform (OpenTofu)", () => {
  it("is formatted (tofu fmt -check)", () => {
    // No CLI configuration is needed to format (a TF_CLI_CONFIG_FILE naming a missing file only warns).
    const env = { ...process.env };
    delete env.TF_CLI_CONFIG_FILE;
    const result = run(tofu as string, ["fmt", "-check", "-diff", "-recursive", dir], { env });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
