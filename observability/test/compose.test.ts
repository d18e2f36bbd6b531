import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { findTool, observabilityDir, repoRoot, run } from "./tools";

const composeFile = join(repoRoot, "infra", "compose", "compose.yaml");
const dockerCompose = findTool("docker-compose", "apt-get install -y --no-install-recommends docker-compose");
const roster = [
  ["codegemma-7b", 8081],
  ["qwen2.5-7b-instruct", 8082],
  ["llama-3.1-8b-instruct", 8083],
  ["gemma-2-9b-it", 8084],
  ["llama-3.1-nemotron-51b-instruct", 8085],
] as const;

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: Array<string | { type: string; source: string; target: string; read_only?: boolean }>;
  ports?: unknown[];
}

/** The secrets compose.yaml requires (infra/compose/example.env). */
const composeSecrets = {
  SWITCHYARD_METRICS_TOKEN: "compose-test-token",
  SWITCHYARD_PROMPT_HASH_KEY: "compose-test-hash-key",
  SWITCHYARD_BACKEND_API_KEY: "compose-test-backend-key",
  UPSTASH_REDIS_REST_TOKEN: "compose-test-upstash-token",
  POSTGRES_PASSWORD: "compose-test-password",
};

let resolved: { services: Record<string, ComposeService> } | undefined;

/** The Compose file as docker-compose resolves it (interpolation, anchors, paths); parsed once. */
function resolvedCompose(): { services: Record<string, ComposeService> } {
  if (resolved) return resolved;
  const result = run(dockerCompose as string, ["-f", composeFile, "config"], {
    env: { ...process.env, ...composeSecrets },
  });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  resolved = parse(result.stdout);
  return resolved as { services: Record<string, ComposeService> };
}

function mountSource(service: ComposeService, target: string): string | undefined {
  for (const volume of service.volumes ?? []) {
    if (typeof volume === "string") {
      const [source, t] = volume.split(":");
      if (t === target) return source;
    } else if (volume.target === target) return volume.source;
  }
  return undefined;
}

describe.skipIf(!dockerCompose)("infra/compose/compose.yaml (docker-compose config)", () => {
  it("is rejected without the metrics token (the edge and Prometheus need it)", () => {
    const env = { ...process.env, ...composeSecrets } as NodeJS.ProcessEnv;
    delete env.SWITCHYARD_METRICS_TOKEN;
    const result = run(dockerCompose as string, ["-f", composeFile, "config", "-q"], { env });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("SWITCHYARD_METRICS_TOKEN");
  });

  it("runs the edge, the five backends and the observability services", () => {
    const { services } = resolvedCompose();
    for (const name of ["edge", "prometheus", "grafana", "tempo", "loki", "promtail", "otel-collector"]) {
      expect(Object.keys(services)).toContain(name);
    }
    for (const [model, port] of roster) {
      const service = Object.values(services).find((s) => Array.isArray(s.command) && s.command[1] === model);
      expect(service, model).toBeDefined();
      expect(service?.command).toContain(String(port));
      expect(service?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe("http://otel-collector:4318");
    }
  });

  it("the edge's SWITCHYARD_BACKENDS names every roster model and a service that exists", () => {
    const { services } = resolvedCompose();
    const backends = JSON.parse(services.edge?.environment?.SWITCHYARD_BACKENDS ?? "{}");
    expect(Object.keys(backends).sort()).toEqual(roster.map(([m]) => m).sort());
    for (const [model, port] of roster) {
      const url = new URL(backends[model]);
      expect(Number(url.port)).toBe(port);
      expect(Object.keys(services)).toContain(url.hostname);
    }
  });

  it("Prometheus scrapes the hosts and ports Compose runs, with the committed config and rules", () => {
    const { services } = resolvedCompose();
    const prometheus = services.prometheus as ComposeService;
    const config = mountSource(prometheus, "/etc/prometheus/prometheus.yml") as string;
    expect(resolve(config)).toBe(join(observabilityDir, "prometheus", "prometheus.yml"));
    expect(resolve(mountSource(prometheus, "/etc/prometheus/alerts.yml") as string)).toBe(
      join(observabilityDir, "prometheus", "alerts.yml"),
    );
    const scrape = parse(readFileSync(config, "utf8"));
    const targets: string[] = scrape.scrape_configs.flatMap(
      (j: { static_configs: Array<{ targets: string[] }> }) => j.static_configs.flatMap((s) => s.targets),
    );
    for (const target of targets.filter((t) => !t.startsWith("localhost"))) {
      const [host, port] = target.split(":");
      expect(Object.keys(services), target).toContain(host);
      const command = services[host as string]?.command;
      if (host !== "edge") expect(command).toContain(port);
    }
    expect(String(prometheus.command)).toContain("/prometheus/secrets/metrics-token");
  });

  it("Grafana gets the committed provisioning and dashboards, read-only", () => {
    const { services } = resolvedCompose();
    const grafana = services.grafana as ComposeService;
    const provisioning = mountSource(grafana, "/etc/grafana/provisioning") as string;
    const dashboards = mountSource(grafana, "/var/lib/grafana/dashboards") as string;
    expect(resolve(provisioning)).toBe(join(observabilityDir, "grafana", "provisioning"));
    expect(resolve(dashboards)).toBe(join(observabilityDir, "grafana", "dashboards"));
    expect(existsSync(join(dashboards, "switchyard-edge.json"))).toBe(true);
  });

  it("closes the backends: a generated key reaches them, the edge and Prometheus through a volume", () => {
    const { services } = resolvedCompose();
    const keygen = services["backend-key"];
    expect(keygen?.image).toMatch(/^busybox:/);
    expect(mountSource(keygen as ComposeService, "/run/switchyard")).toBe("switchyard-secrets");
    for (const [model] of roster) {
      const service = Object.values(services).find((s) => Array.isArray(s.command) && s.command[1] === model);
      expect(service?.environment?.SWITCHYARD_BACKEND_API_KEY).toBeUndefined();
      expect(service?.environment?.SWITCHYARD_BACKEND_API_KEY_FILE).toBe("/run/switchyard/backend-api-key");
      expect(mountSource(service as ComposeService, "/run/switchyard")).toBe("switchyard-secrets");
      expect(
        (service as { depends_on?: Record<string, { condition: string }> }).depends_on?.["backend-key"],
      ).toEqual({
        condition: "service_completed_successfully",
      });
    }
    expect(services.edge?.environment?.SWITCHYARD_BACKEND_API_KEY_FILE).toBe(
      "/run/switchyard/backend-api-key",
    );
    expect(mountSource(services.prometheus as ComposeService, "/run/switchyard")).toBe("switchyard-secrets");

    // The generator itself, run by a POSIX shell against a scratch directory: a key once, kept after.
    const dir = mkdtempSync(join(tmpdir(), "compose-key-"));
    try {
      // As the container gets it: Compose turns its $$ escapes into $.
      const script =
        (keygen?.command as string[] | undefined)?.[2]
          ?.replaceAll("$$", "$")
          .replaceAll("/run/switchyard", dir) ?? "";
      const env = { PATH: process.env.PATH ?? "" };
      expect(run("sh", ["-c", script], { env }).status).toBe(0);
      const key = readFileSync(join(dir, "backend-api-key"), "utf8");
      expect(key).toMatch(/^[0-9a-f]{48}$/);
      expect(run("sh", ["-c", script], { env }).status).toBe(0);
      expect(readFileSync(join(dir, "backend-api-key"), "utf8")).toBe(key);
      expect(
        run("sh", ["-c", script], { env: { ...env, SWITCHYARD_BACKEND_API_KEY: "sk-mine" } }).status,
      ).toBe(0);
      expect(readFileSync(join(dir, "backend-api-key"), "utf8")).toBe("sk-mine");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("every config file mounted from the repository exists", () => {
    const { services } = resolvedCompose();
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === "string" ? volume.split(":")[0] : volume.source;
        if (source?.startsWith(repoRoot)) expect(existsSync(source), `${name}: ${source}`).toBe(true);
      }
      if (service.build) {
        expect(existsSync(join(service.build.context, service.build.dockerfile)), `${name} Dockerfile`).toBe(
          true,
        );
      }
    }
  });
});

describe("OpenTelemetry collector pipeline", () => {
  const collector = parse(readFileSync(join(observabilityDir, "otel", "collector.yaml"), "utf8"));

  it("every component a pipeline uses is defined, and every defined one is used", () => {
    const used = new Set<string>();
    for (const [name, pipeline] of Object.entries<Record<string, string[]>>(collector.service.pipelines)) {
      for (const kind of ["receivers", "processors", "exporters"] as const) {
        for (const component of pipeline[kind] ?? []) {
          expect(Object.keys(collector[kind] ?? {}), `${name}.${kind}`).toContain(component);
          used.add(`${kind}/${component}`);
        }
      }
    }
    for (const kind of ["receivers", "processors"] as const) {
      for (const component of Object.keys(collector[kind])) expect(used).toContain(`${kind}/${component}`);
    }
  });

  it("sends traces to Tempo and logs to Loki", () => {
    const { traces, logs } = collector.service.pipelines;
    expect(traces.receivers).toContain("otlp");
    expect(collector.exporters[traces.exporters[0]].endpoint).toMatch(/^tempo:4317$/);
    expect(collector.exporters[logs.exporters[0]].endpoint).toMatch(/^http:\/\/loki:3100\/otlp$/);
    expect(collector.receivers.otlp.protocols.http.endpoint).toBe("0.0.0.0:4318");
  });
});
