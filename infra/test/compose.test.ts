/**
 * infra/compose/compose.yaml through docker-compose's own parser (no Docker engine here): the edge
 * runs on workerd from infra/docker/edge.Dockerfile, and its state services are the maintained
 * components (serverless-redis-http, Neon's wsproxy), wired with consistent secrets. The
 * observability services are checked in observability/test/compose.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { findTool, infraDir, repoRoot, run } from "./tools";

const dockerCompose = findTool(
  "docker-compose",
  "apt-get install -y docker-compose; in .ci/apt-packages.txt",
);
const composeFile = join(infraDir, "compose", "compose.yaml");
const secrets = {
  SWITCHYARD_METRICS_TOKEN: "t-metrics",
  SWITCHYARD_PROMPT_HASH_KEY: "t-hash",
  UPSTASH_REDIS_REST_TOKEN: "t-upstash",
  POSTGRES_PASSWORD: "t-password",
};

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: Array<{ source: string; target: string } | string>;
}

function config(env: Record<string, string>) {
  return run(dockerCompose as string, ["-f", composeFile, "config"], { env: { ...process.env, ...env } });
}

/** Final-stage instructions of a Dockerfile (comments dropped, continuations joined). */
function finalStage(file: string): string[] {
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => !l.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((l) => l.trim());
  const from = lines.map((l) => /^FROM\b/i.test(l)).lastIndexOf(true);
  return lines.slice(from);
}

describe.skipIf(!dockerCompose)(
  "infra/compose/compose.yaml: the edge on workerd and real state services",
  () => {
    const resolved = () => {
      const result = config(secrets);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      return parse(result.stdout).services as Record<string, Service>;
    };

    it.each(Object.keys(secrets))("refuses to start without %s", (name) => {
      const env: Record<string, string> = { ...secrets };
      delete env[name];
      const withoutIt = { ...process.env, ...env } as NodeJS.ProcessEnv;
      delete withoutIt[name];
      const result = run(dockerCompose as string, ["-f", composeFile, "config", "-q"], { env: withoutIt });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(name);
    });

    it("builds the edge from infra/docker/edge.Dockerfile, whose image runs workerd, not wrangler", () => {
      const edge = resolved().edge as Service;
      expect(edge.build?.dockerfile).toBe("infra/docker/edge.Dockerfile");
      const stage = finalStage(join(repoRoot, "infra", "docker", "edge.Dockerfile"));
      const cmd = stage.find((l) => /^CMD\b/.test(l)) ?? "";
      expect(JSON.parse(cmd.replace(/^CMD\s+/, ""))).toEqual(
        expect.arrayContaining([
          "/usr/local/bin/workerd",
          "serve",
          "/app/infra/workerd/switchyard.capnp",
          "--verbose",
        ]),
      );
      // The entrypoint only turns *_FILE settings into variables, then runs that command.
      expect(stage.find((l) => /^ENTRYPOINT\b/.test(l))).toContain("/usr/local/bin/edge-entrypoint");
      const script = readFileSync(join(repoRoot, "infra", "docker", "edge-entrypoint.sh"), "utf8");
      expect(script.trimEnd()).toMatch(/exec "\$@"$/);
      expect(stage.join("\n")).not.toMatch(/wrangler|npm|node /);
      expect(stage.find((l) => /^USER\b/.test(l))).toMatch(/USER switchyard/);
      // The metrics Durable Object keeps its SQLite files on a volume.
      expect(edge.volumes).toContainEqual(expect.stringMatching(/^edge-state:\/data(:rw)?$/));
    });

    it("Upstash's REST API comes from serverless-redis-http in front of Redis, with the edge's token", () => {
      const services = resolved();
      const rest = services["upstash-rest"] as Service;
      expect(rest.image).toMatch(/^hiett\/serverless-redis-http:/);
      expect(rest.environment).toMatchObject({
        SRH_MODE: "env",
        SRH_TOKEN: secrets.UPSTASH_REDIS_REST_TOKEN,
        SRH_CONNECTION_STRING: "redis://redis:6379",
      });
      expect(services.redis?.image).toMatch(/^redis:/);
      expect(services.edge?.environment).toMatchObject({
        UPSTASH_REDIS_REST_URL: "http://upstash-rest:80",
        UPSTASH_REDIS_REST_TOKEN: secrets.UPSTASH_REDIS_REST_TOKEN,
      });
    });

    it("Neon's driver reaches Postgres through Neon's wsproxy image, which allows exactly that address", () => {
      const services = resolved();
      const proxy = services["neon-wsproxy"] as Service;
      expect(proxy.image).toMatch(/^ghcr\.io\/neondatabase\/wsproxy:/);
      const edgeEnv = services.edge?.environment ?? {};
      expect(edgeEnv.SWITCHYARD_NEON_WSPROXY).toBe(
        `neon-wsproxy:${(proxy.environment?.LISTEN_PORT ?? "").replace(":", "")}`,
      );
      const db = new URL(edgeEnv.DATABASE_URL as string);
      expect(db.password).toBe(secrets.POSTGRES_PASSWORD);
      // docker-compose config writes `$` as `$$`.
      const allowed = new RegExp((proxy.environment?.ALLOW_ADDR_REGEX ?? "").replace(/\$\$/g, "$"));
      expect(allowed.test(`${db.hostname}:${db.port}`)).toBe(true);
      expect(allowed.test("example.com:5432")).toBe(false);
      expect(services.postgres?.environment).toMatchObject({
        POSTGRES_PASSWORD: secrets.POSTGRES_PASSWORD,
        POSTGRES_HOST_AUTH_METHOD: "password",
      });
      expect(services.migrate?.build?.target).toBe("build");
      expect(services.migrate?.command).toEqual(["npm", "run", "db:migrate"]);
    });

    it("every backend requires the API key the edge sends (one generated file on a shared volume)", () => {
      const services = resolved();
      const backends = Object.values(services).filter(
        (s) => s.build?.dockerfile === "infra/docker/backend.Dockerfile",
      );
      expect(backends.length).toBeGreaterThan(0);
      const keyFile = services.edge?.environment?.SWITCHYARD_BACKEND_API_KEY_FILE as string;
      expect(keyFile).toMatch(/^\/run\/switchyard\//);
      for (const service of [...backends, services.edge as Service]) {
        expect(service.environment?.SWITCHYARD_BACKEND_API_KEY_FILE).toBe(keyFile);
        expect(service.volumes).toContainEqual(
          expect.stringMatching(/^switchyard-secrets:\/run\/switchyard:ro$/),
        );
      }
    });
  },
);
