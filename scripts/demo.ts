/**
 * `npm run demo`: records a real session of the real local stack into docs/demo/switchyard-demo.mp4
 * and docs/demo/switchyard-demo.gif. It starts the backends and `npm start` (the edge on workerd)
 * like the web e2e does, a real Prometheus from the committed config scraping them, and drives the
 * web app in Debian's Chromium: sign in, three questions routed by the router (model, confidence
 * and reason under each reply), a cached repeat at temperature 0, a forced fallback after one
 * backend is stopped, then the Grafana dashboards rendered from the live Prometheus data.
 * Frames are screenshots taken at a steady rate, assembled by Debian's ffmpeg.
 *
 * @example npm run demo
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { parse, stringify } from "yaml";
import { dashboards } from "../observability/grafana/dashboards";
import { queryPanels } from "../observability/grafana/query-panels";
import { renderDashboardHtml } from "../observability/grafana/render-html";
import { repoRoot, type Stack, startStack } from "../web/e2e/stack";

const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const prometheusPath = process.env.PROMETHEUS_PATH ?? "/usr/bin/prometheus";
const ffmpegPath = process.env.FFMPEG_PATH ?? "/usr/bin/ffmpeg";
const outDir = join(repoRoot, "docs", "demo");
// The tiny dev stand-ins (as the web e2e uses): the shared 2-core machine is too slow for SmolLM2.
const codeModel = "codegemma-7b";
const storyModel = "qwen2.5-7b-instruct";
const largeModel = "llama-3.1-nemotron-51b-instruct";
const viewport = { width: 1100, height: 720 };
const frameMs = 500;
const metricsToken = "demo-metrics-token";
const overallTimeoutMs = 15 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Screenshots the page every `frameMs` into numbered files, keeping each frame's real duration. */
function startRecorder(page: Page, dir: string) {
  const frames: Array<{ file: string; at: number }> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const file = join(dir, `frame-${String(frames.length).padStart(5, "0")}.jpg`);
      try {
        await page.screenshot({ path: file, type: "jpeg", quality: 80, scale: "css" });
        frames.push({ file, at: started });
      } catch {
        // A navigation in progress; the next tick catches up.
      }
      await sleep(Math.max(0, frameMs - (Date.now() - started)));
    }
  })();
  return async () => {
    running = false;
    await loop;
    return frames;
  };
}

/** A caption bar at the top of the page saying what the demo shows now. */
async function caption(page: Page, text: string) {
  await page.evaluate((value) => {
    let bar = document.getElementById("demo-caption");
    if (!bar) {
      bar = document.createElement("div");
      bar.id = "demo-caption";
      bar.setAttribute(
        "style",
        "position:fixed;bottom:96px;left:50%;transform:translateX(-50%);z-index:99999;background:#0c4a6e;color:#fff;font:600 16px system-ui,sans-serif;padding:8px 16px;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.3);pointer-events:none",
      );
      document.body.appendChild(bar);
    }
    bar.textContent = value;
  }, text);
}

const lastReply = (page: Page) => page.getByTestId("assistant-message").last();

async function ask(page: Page, prompt: string) {
  const before = await page.getByTestId("assistant-message").count();
  const box = page.getByRole("textbox", { name: "Message" });
  await box.pressSequentially(prompt, { delay: 25 });
  await box.press("Enter");
  await page.getByTestId("assistant-message").nth(before).waitFor();
  const reply = lastReply(page);
  for (let i = 0; i < 240 && (await reply.getAttribute("data-status")) === "streaming"; i++) await sleep(250);
  const model = await reply.getByTestId("model-badge").textContent();
  console.log(`demo: "${prompt}" -> ${model} (${await reply.getAttribute("data-status")})`);
  await sleep(4_000);
  return reply;
}

async function openSettings(page: Page, change: (page: Page) => Promise<void>) {
  const toggle = page.getByRole("button", { name: "Settings" });
  await toggle.click();
  await sleep(800);
  await change(page);
  await sleep(1_200);
  await toggle.click();
}

async function startPrometheus(stack: Stack, dir: string) {
  const config = parse(readFileSync(join(repoRoot, "observability/prometheus/prometheus.yml"), "utf8"));
  config.global.scrape_interval = "1s";
  config.global.evaluation_interval = "1s";
  config.rule_files = [join(repoRoot, "observability/prometheus/alerts.yml")];
  const port = 19800 + Math.floor(Math.random() * 100);
  const host = (url: string) => new URL(url).host;
  const targets: Record<string, string[]> = {
    "switchyard-edge": [host(stack.edgeUrl)],
    "switchyard-backends": Object.values(stack.backends).map(host),
    prometheus: [`127.0.0.1:${port}`],
  };
  for (const job of config.scrape_configs) {
    job.static_configs = [{ targets: targets[job.job_name], labels: job.static_configs[0].labels ?? {} }];
    if (job.authorization?.credentials_file) {
      job.authorization.credentials_file = join(dir, `${job.job_name}.token`);
      // Dev backends take no key; the edge's /metrics takes the demo's metrics token.
      writeFileSync(job.authorization.credentials_file, metricsToken);
    }
  }
  writeFileSync(join(dir, "prometheus.yml"), stringify(config));
  const child = spawn(
    prometheusPath,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "tsdb")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { detached: true, stdio: "ignore" },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120; i++) {
    if (
      await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(500);
  }
  return {
    url,
    stop: () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
    },
  };
}

/** Every dashboard rendered from the live Prometheus data over the demo's time range. */
async function dashboardViews(promUrl: string, start: number, end: number) {
  const views: Array<{ html: string; title: string }> = [];
  for (const d of dashboards) {
    const data = await queryPanels(promUrl, d, start, end);
    views.push({ html: renderDashboardHtml(d, data, viewport.width), title: d.title });
  }
  return views;
}

async function session(stack: Stack, promUrl: string, framesDir: string) {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const page = await browser.newPage({ viewport, colorScheme: "light" });
  page.setDefaultTimeout(90_000);
  const startedAt = Date.now() / 1000;
  const stopRecording = startRecorder(page, framesDir);
  let frames: Array<{ file: string; at: number }> = [];
  try {
    await page.goto(stack.edgeUrl);
    await page.getByLabel("API key or token").waitFor();
    await caption(
      page,
      "Switchyard: one OpenAI-compatible endpoint, a learned router in front of several LLMs",
    );
    await sleep(4_000);
    await caption(page, "1. Sign in (the local stack's development sign-in mints a JWT)");
    await page.getByLabel("Local development: sign in as").pressSequentially("demo", { delay: 60 });
    await sleep(1_000);
    await page.getByRole("button", { name: "Sign in as demo" }).click();
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    await caption(page, "1. Signed in; the model picker lists the served models");
    await sleep(3_000);
    await openSettings(page, async (p) => p.getByLabel("Max tokens").fill("60"));

    await caption(page, "2. Auto routing: the model, confidence and reason appear under each reply");
    await ask(page, "What is the capital of France?");
    await ask(page, "Write a Python function that reverses a string.");
    await ask(page, "Tell me a story about a small train.");
    await ask(page, "Prove step by step that there are infinitely many prime numbers.");
    await sleep(2_000);
    await caption(page, "2. Or name a model: the picker pins one (reason: explicit)");
    await page.getByRole("button", { name: "+ New chat" }).click();
    await page.getByRole("combobox", { name: "Model" }).selectOption(codeModel);
    await sleep(1_500);
    await ask(page, "Write a Python function that reverses a string.");
    await page.getByRole("combobox", { name: "Model" }).selectOption({ index: 0 });
    await sleep(1_500);

    const prompt = "Once upon a time there was a dragon.";
    await caption(page, "3. Forced fallback: first, which model does the router pick for this prompt?");
    await page.getByRole("button", { name: "+ New chat" }).click();
    const first = await ask(page, prompt);
    const picked = (await first.getByTestId("model-badge").textContent()) ?? storyModel;
    await caption(page, `3. Stopping the backend of ${picked} mid-demo...`);
    await stack.stopBackend(picked);
    await sleep(3_000);
    await caption(page, `3. Same prompt: ${picked} is down, another model answers (fallback shown)`);
    await page.getByRole("button", { name: "+ New chat" }).click();
    const fallback = await ask(page, prompt);
    console.log(`fallback: ${await fallback.getByTestId("fallback").count()} notice(s)`);
    await sleep(4_000);

    await caption(page, "4. Cached repeat: temperature 0 makes the request deterministic, so it is cached");
    await openSettings(page, async (p) => {
      await p.getByRole("slider").focus();
      await p.keyboard.press("Home");
    });
    await page.getByRole("button", { name: "+ New chat" }).click();
    await ask(page, "Name three primary colours.");
    await caption(page, "4. The same request again, in a new chat: answered from the edge's cache");
    await page.getByRole("button", { name: "+ New chat" }).click();
    const cached = await ask(page, "Name three primary colours.");
    console.log(`cached repeat: ${await cached.getByTestId("cache-status").textContent()}`);
    await sleep(2_000);

    // Two more scrapes, so the last requests are in the panels.
    await sleep(3_000);
    const views = await dashboardViews(promUrl, startedAt, Date.now() / 1000);
    for (const view of views) {
      await page.setContent(view.html);
      await caption(page, `5. Grafana dashboard "${view.title}", rendered from the live Prometheus data`);
      await sleep(3_000);
      const height = await page.evaluate(() => document.body.scrollHeight);
      for (let y = 0; y < height - viewport.height; y += 240) {
        await page.evaluate((top) => window.scrollTo({ top }), y + 240);
        await sleep(2_000);
      }
      await sleep(2_000);
    }
  } finally {
    frames = await stopRecording();
    await browser.close();
  }
  return frames;
}

function assemble(frames: Array<{ file: string; at: number }>, dir: string) {
  const list = frames
    .map((frame, i) => {
      const next = frames[i + 1]?.at ?? frame.at + frameMs;
      return `file '${frame.file}'\nduration ${((next - frame.at) / 1000).toFixed(3)}`;
    })
    .join("\n");
  // The concat demuxer ignores the last duration unless the last file is named again.
  writeFileSync(join(dir, "frames.txt"), `${list}\nfile '${frames.at(-1)?.file}'\n`);
  mkdirSync(outDir, { recursive: true });
  const ffmpeg = (args: string[]) =>
    execFileSync(ffmpegPath, ["-y", "-loglevel", "error", ...args], { stdio: "inherit", timeout: 600_000 });
  const input = ["-f", "concat", "-safe", "0", "-i", join(dir, "frames.txt")];
  ffmpeg([
    ...input,
    "-vf",
    "fps=4,scale=960:-2",
    "-c:v",
    "libx264",
    "-preset",
    "veryslow",
    "-crf",
    "30",
    "-pix_fmt",
    "yuv420p",
    "-movflags",
    "+faststart",
    join(outDir, "switchyard-demo.mp4"),
  ]);
  ffmpeg([
    ...input,
    "-vf",
    "fps=1,scale=640:-1:flags=lanczos,split[a][b];[a]palettegen=max_colors=64[p];[b][p]paletteuse=dither=none",
    join(outDir, "switchyard-demo.gif"),
  ]);
}

async function main() {
  for (const [name, path] of [
    ["Chromium", chromiumPath],
    ["Prometheus", prometheusPath],
    ["ffmpeg", ffmpegPath],
  ] as const) {
    if (!existsSync(path)) throw new Error(`${name} not found at ${path}`);
  }
  const work = mkdtempSync(join(tmpdir(), "switchyard-demo-"));
  const framesDir = join(work, "frames");
  mkdirSync(framesDir);
  const timer = setTimeout(() => {
    console.error("demo: timed out");
    process.exit(1);
  }, overallTimeoutMs);
  let stack: Stack | undefined;
  let prometheus: { url: string; stop: () => void } | undefined;
  try {
    console.log("demo: starting the local stack (tiny dev stand-ins)...");
    stack = await startStack({
      models: [codeModel, storyModel, largeModel],
      standIns: {
        [codeModel]: "llama-2-tiny-random",
        [storyModel]: "stories260k",
        [largeModel]: "stories260k",
      },
      edgeEnv: { SWITCHYARD_METRICS_TOKEN: metricsToken, SWITCHYARD_RATE_LIMIT_CAPACITY: "1000" },
    });
    prometheus = await startPrometheus(stack, work);
    console.log("demo: recording...");
    const frames = await session(stack, prometheus.url, framesDir);
    console.log(`demo: ${frames.length} frames; assembling with ffmpeg...`);
    assemble(frames, work);
    console.log(`demo: wrote ${join(outDir, "switchyard-demo.mp4")} and switchyard-demo.gif`);
  } finally {
    clearTimeout(timer);
    prometheus?.stop();
    await stack?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
