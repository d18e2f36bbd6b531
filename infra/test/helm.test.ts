/**
 * The Helm chart (infra/helm/switchyard) with the real helm: lint and template for three value
 * sets (CPU-only dev, one GPU per model, KEDA), every rendered manifest validated against the
 * Kubernetes schemas (kubernetes-validate, strict), and the properties the chart promises checked
 * on the rendered objects. CRD kinds (ServiceMonitor, ScaledObject) have no schema there: their
 * required fields are checked here.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { findPythonModule, findTool, infraDir, repoRoot, run } from "./tools";

const helm = findTool("helm");
const validator = findPythonModule("kubernetes_validate");
const chart = join(infraDir, "helm", "switchyard");
const KUBE_VERSION = "1.33.0";
const VALUE_SETS = ["cpu-dev", "gpu", "keda"] as const;
type ValueSet = (typeof VALUE_SETS)[number];

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are checked field by field
  spec?: any;
  data?: Record<string, string>;
}

const catalogue = JSON.parse(readFileSync(join(repoRoot, "backends", "models.json"), "utf8")) as {
  models: { id: string; kind: string; devStandIn?: { sha256: string } }[];
};
const productionIds = catalogue.models.filter((m) => m.kind === "production").map((m) => m.id);
const dnsName = (id: string) => id.toLowerCase().replace(/[._]/g, "-");

const dir = mkdtempSync(join(tmpdir(), "switchyard-helm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const template = (args: string[]) =>
  run(helm as string, ["template", "sy", chart, "-n", "switchyard", "--kube-version", KUBE_VERSION, ...args]);

const rendered = new Map<ValueSet, { file: string; objects: K8sObject[] }>();
function render(set: ValueSet) {
  const cached = rendered.get(set);
  if (cached) return cached;
  const result = template(["-f", join(chart, "ci", `${set}-values.yaml`)]);
  expect(result.stderr.replace(/^.*symbolic link.*$\n?/gm, ""), result.stderr).toBe("");
  expect(result.status).toBe(0);
  const file = join(dir, `${set}.yaml`);
  writeFileSync(file, result.stdout);
  const objects = parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  const entry = { file, objects };
  rendered.set(set, entry);
  return entry;
}
const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);

describe.skipIf(!helm || !validator)("Helm chart infra/helm/switchyard", () => {
  it.each(VALUE_SETS)("helm lint passes with ci/%s-values.yaml", (set) => {
    const result = run(helm as string, ["lint", chart, "-f", join(chart, "ci", `${set}-values.yaml`)]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("0 chart(s) failed");
  });

  it.each(VALUE_SETS)("ci/%s-values.yaml renders manifests valid against the Kubernetes schemas", (set) => {
    const { file, objects } = render(set);
    const result = run(validator as string, [
      "-m",
      "kubernetes_validate",
      "--kubernetes-version",
      KUBE_VERSION,
      "--strict",
      "--quiet",
      file,
    ]);
    const errors = `${result.stdout}\n${result.stderr}`
      .split("\n")
      .filter(
        (line) => line.trim() && !/Couldn't find schema for kind (ServiceMonitor|ScaledObject)/.test(line),
      );
    expect(errors).toEqual([]);
    expect(result.status).toBe(0);
    // The CRDs: the fields their controllers require.
    for (const monitor of ofKind(objects, "ServiceMonitor")) {
      expect(monitor.apiVersion).toBe("monitoring.coreos.com/v1");
      expect(monitor.spec.selector.matchLabels).toBeTruthy();
      for (const endpoint of monitor.spec.endpoints) {
        expect(endpoint).toMatchObject({ port: "http", path: "/metrics" });
        expect(endpoint.bearerTokenSecret.key).toMatch(/^SWITCHYARD_(METRICS_TOKEN|BACKEND_API_KEY)$/);
      }
    }
    for (const scaled of ofKind(objects, "ScaledObject")) {
      expect(scaled.apiVersion).toBe("keda.sh/v1alpha1");
      expect(named(objects, "Deployment", scaled.spec.scaleTargetRef.name)).toBeDefined();
      expect(scaled.spec.triggers[0]).toMatchObject({ type: "prometheus" });
      expect(scaled.spec.triggers[0].metadata.query).toContain("switchyard_backend_queue_depth");
    }
  });

  it("one backend per production model of the catalogue, fetched and checked by sha256, probed on /health and /ready", () => {
    for (const set of VALUE_SETS) {
      const { objects } = render(set);
      const backends = ofKind(objects, "Deployment").filter((d) => d.metadata.name.startsWith("backend-"));
      expect(backends.map((d) => d.metadata.name).sort()).toEqual(
        productionIds.map((id) => `backend-${dnsName(id)}`).sort(),
      );
      for (const deployment of backends) {
        const pod = deployment.spec.template.spec;
        const init = pod.initContainers.find((c: { name: string }) => c.name === "fetch-model");
        const env = Object.fromEntries(
          init.env.map((e: { name: string; value?: string }) => [e.name, e.value]),
        );
        expect(env.MODEL_SHA256).toMatch(/^[0-9a-f]{64}$/);
        expect(init.args[0]).toContain("sha256sum -c");
        const backend = pod.containers[0];
        expect(backend.livenessProbe.httpGet.path).toBe("/health");
        expect(backend.readinessProbe.exec.command.join(" ")).toContain("/ready");
        expect(backend.args).toContain(
          productionIds.find((id) => deployment.metadata.name === `backend-${dnsName(id)}`),
        );
        expect(named(objects, "Service", deployment.metadata.name)).toBeDefined();
        expect(named(objects, "PodDisruptionBudget", deployment.metadata.name)).toBeDefined();
        if (set === "cpu-dev") {
          expect(backend.resources.limits["nvidia.com/gpu"]).toBeUndefined();
          expect(backend.args).toContain("--dev");
          // Dev stand-ins are checked against the catalogue's own checksum.
          const model = catalogue.models.find((m) => `backend-${dnsName(m.id)}` === deployment.metadata.name);
          expect(env.MODEL_SHA256).toBe(model?.devStandIn?.sha256);
        } else {
          expect(backend.resources.limits["nvidia.com/gpu"]).toBeGreaterThanOrEqual(1);
          expect(pod.tolerations).toContainEqual(expect.objectContaining({ key: "nvidia.com/gpu" }));
          expect(pod.topologySpreadConstraints.map((t: { topologyKey: string }) => t.topologyKey)).toContain(
            "kubernetes.io/hostname",
          );
          expect(env.MODEL_URL).toMatch(/^https:\/\/huggingface\.co\/.+\.gguf$/);
        }
      }
    }
    const gpu = render("gpu").objects;
    expect(gpu.find((o) => o.metadata.name === "backend-gemma-2-9b-it")).toBeDefined();
    expect(
      named(gpu, "Deployment", "backend-llama-3-1-nemotron-51b-instruct")?.spec.template.spec.containers[0]
        .resources.limits["nvidia.com/gpu"],
    ).toBe(2);
  });

  it("autoscaling: an HPA per backend on CPU, GPU utilisation and queue depth; KEDA instead of HPAs; the edge's own HPA", () => {
    const gpu = render("gpu").objects;
    for (const id of productionIds) {
      const hpa = named(gpu, "HorizontalPodAutoscaler", `backend-${dnsName(id)}`);
      const metrics = hpa?.spec.metrics.map(
        (m: { resource?: { name: string }; pods?: { metric: { name: string } } }) =>
          m.resource ? m.resource.name : m.pods?.metric.name,
      );
      expect(metrics).toEqual(["cpu", "switchyard_gpu_utilization", "switchyard_backend_queue_depth"]);
    }
    expect(named(gpu, "HorizontalPodAutoscaler", "edge")?.spec.metrics[0].resource.name).toBe("cpu");
    const keda = render("keda").objects;
    expect(ofKind(keda, "ScaledObject")).toHaveLength(productionIds.length);
    expect(ofKind(keda, "HorizontalPodAutoscaler").map((h) => h.metadata.name)).toEqual(["edge"]);
    const dev = render("cpu-dev").objects;
    expect(ofKind(dev, "HorizontalPodAutoscaler")).toEqual([]);
  });

  it("the edge runs the workerd image with every secret from the Secret, never a literal", () => {
    for (const set of VALUE_SETS) {
      const { objects } = render(set);
      const edge = named(objects, "Deployment", "edge");
      expect(edge?.spec.template.spec.containers[0].image).toMatch(/\/edge:/);
      const backends = JSON.parse(
        edge?.spec.template.spec.containers[0].env.find(
          (e: { name: string }) => e.name === "SWITCHYARD_BACKENDS",
        ).value,
      );
      expect(Object.keys(backends).sort()).toEqual([...productionIds].sort());
      for (const object of objects) {
        const pod = object.spec?.template?.spec;
        for (const container of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
          for (const env of container.env ?? []) {
            if (
              /KEY|TOKEN|SECRET|PASSWORD|DATABASE_URL/.test(env.name) &&
              !/^SWITCHYARD_NEON/.test(env.name)
            ) {
              expect(env.value, `${object.metadata.name}: ${env.name}`).toBeUndefined();
              expect(env.valueFrom.secretKeyRef.name).toBe("switchyard-secrets");
            }
          }
        }
      }
      expect(ofKind(objects, "Secret")).toEqual([]);
    }
  });

  it("only the edge (and Prometheus) reaches the backends; state services only from the edge", () => {
    const { objects } = render("cpu-dev");
    const policy = named(objects, "NetworkPolicy", "backends-from-edge-only");
    expect(policy?.spec.podSelector.matchLabels["app.kubernetes.io/component"]).toBe("backend");
    const sources = policy?.spec.ingress[0].from;
    expect(sources).toContainEqual({
      podSelector: {
        matchLabels: { "app.kubernetes.io/instance": "sy", "app.kubernetes.io/component": "edge" },
      },
    });
    expect(sources).toHaveLength(2);
    expect(sources[1].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]).toBe("monitoring");
    const state = named(objects, "NetworkPolicy", "state-from-edge-only");
    expect(state?.spec.ingress[0].from[0].podSelector.matchLabels["app.kubernetes.io/component"]).toBe(
      "edge",
    );
  });

  it("Redis behind serverless-redis-http and Postgres behind Neon's wsproxy in-cluster; external services otherwise", () => {
    const dev = render("cpu-dev").objects;
    expect(named(dev, "Deployment", "upstash-rest")?.spec.template.spec.containers[0].image).toContain(
      "serverless-redis-http",
    );
    expect(named(dev, "Deployment", "neon-wsproxy")?.spec.template.spec.containers[0].image).toContain(
      "neondatabase/wsproxy",
    );
    expect(named(dev, "StatefulSet", "postgres")).toBeDefined();
    const gpu = render("gpu").objects;
    expect(named(gpu, "Deployment", "upstash-rest")).toBeUndefined();
    expect(named(gpu, "StatefulSet", "postgres")).toBeUndefined();
    const env = named(gpu, "Deployment", "edge")?.spec.template.spec.containers[0].env;
    expect(env.find((e: { name: string }) => e.name === "UPSTASH_REDIS_REST_URL").value).toMatch(
      /^https:\/\//,
    );
    expect(env.find((e: { name: string }) => e.name === "SWITCHYARD_NEON_WSPROXY")).toBeUndefined();
  });

  it("the Ingress streams: TLS from cert-manager, no proxy buffering, long read timeouts", () => {
    const ingress = named(render("gpu").objects, "Ingress", "switchyard");
    const annotations = ingress?.metadata.annotations ?? {};
    expect(annotations["cert-manager.io/cluster-issuer"]).toBeTruthy();
    expect(annotations["nginx.ingress.kubernetes.io/proxy-buffering"]).toBe("off");
    expect(Number(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"])).toBeGreaterThanOrEqual(600);
    expect(ingress?.spec.ingressClassName).toBe("nginx");
    expect(ingress?.spec.tls[0].hosts).toEqual([ingress?.spec.rules[0].host]);
    // The backends over TLS for an edge outside the cluster, one host per model.
    const backendsIngress = named(render("gpu").objects, "Ingress", "switchyard-backends");
    expect(backendsIngress?.spec.rules).toHaveLength(productionIds.length);
  });

  it("the Grafana dashboards ship as ConfigMaps with the repository's JSON", () => {
    const configMaps = ofKind(render("gpu").objects, "ConfigMap");
    for (const name of ["switchyard-edge", "switchyard-models"]) {
      const map = configMaps.find((c) => c.metadata.name === `${name}-dashboard`);
      expect(map?.metadata.labels?.grafana_dashboard).toBe("1");
      const shipped = readFileSync(
        join(repoRoot, "observability", "grafana", "dashboards", `${name}.json`),
        "utf8",
      );
      expect(JSON.parse(map?.data?.[`${name}.json`] ?? "null")).toEqual(JSON.parse(shipped));
    }
  });

  it("refuses to render a model without a checksum, naming the value to set", () => {
    const result = template([]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/backends\.models\.[a-z0-9.-]+\.sha256/);
  });

  it("every value is documented in the chart's README", () => {
    const values = parseYaml(readFileSync(join(chart, "values.yaml"), "utf8"));
    const readme = readFileSync(join(chart, "README.md"), "utf8");
    const leaves: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (node && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length > 0)
        for (const [key, child] of Object.entries(node)) walk(child, path ? `${path}.${key}` : key);
      else leaves.push(path);
    };
    walk(values, "");
    const undocumented = leaves.filter((path) => !readme.includes(`\`${path}\``));
    expect(undocumented).toEqual([]);
  });
});
