// Walk supforms' web pages in headless Chromium as a person would, and report what was met.
// Usage: node web_journey.mjs STEPS.json [CHROMIUM]; tests/web/browser.py writes the steps
// and reads the one JSON object this prints: {"results": [...], "error": null | "..."},
// one result per step. Steps (each an object with one action key):
//   {"goto": URL}                 open a page; result: {"status": HTTP status, "url": final URL}
//   {"axe": true}                 run axe-core (WCAG 2.0/2.1/2.2 A and AA); result: violations
//   {"screenshot": PATH}          a full-page PNG
//   {"text": true}                the page's visible text (main element, else body)
//   {"press": KEY}                a key on the keyboard (Tab, Enter, Space, ...)
//   {"type": TEXT}                type into whatever has focus
//   {"focused": true}             what has focus: tag, type, id, name, label / text
//   {"upload": PATH, "selector": CSS}   choose a file in a file input (as a picker would)
//   {"click": CSS}                click an element (and wait for any navigation it starts)
//   {"keyboard_submit": true}     press Enter and wait for the navigation it starts
// The browser is Debian's Chromium: nothing is downloaded.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const [stepsPath, browserPath = "/usr/bin/chromium"] = process.argv.slice(2);
const steps = JSON.parse(await readFile(stepsPath, "utf8"));
const axeSource = await readFile(path.join(here, "node_modules", "axe-core", "axe.min.js"), "utf8");

async function navigation(page, action) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: "load", timeout: 120000 }),
    action(),
  ]);
  return { status: response ? response.status() : null, url: page.url() };
}

async function run(page, step) {
  if ("goto" in step) {
    const response = await page.goto(step.goto, { waitUntil: "load", timeout: 120000 });
    return { status: response.status(), url: page.url() };
  }
  if ("axe" in step) {
    await page.evaluate(axeSource);
    const found = await page.evaluate(async () =>
      // eslint-disable-next-line no-undef
      await axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
      }));
    return {
      violations: found.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => n.target.join(" ")),
      })),
      passes: found.passes.length,
    };
  }
  if ("screenshot" in step) {
    await page.screenshot({ path: step.screenshot, fullPage: true });
    return { path: step.screenshot };
  }
  if ("text" in step) {
    return { text: await page.evaluate(() => (document.querySelector("main") || document.body).innerText) };
  }
  if ("press" in step) {
    await page.keyboard.press(step.press);
    return {};
  }
  if ("type" in step) {
    await page.keyboard.type(step.type);
    return {};
  }
  if ("focused" in step) {
    return await page.evaluate(() => {
      const e = document.activeElement;
      const label = e.id ? document.querySelector(`label[for="${e.id}"]`) : null;
      return {
        tag: e.tagName.toLowerCase(), type: e.getAttribute("type"), id: e.id || null,
        name: e.getAttribute("name"), label: label ? label.innerText.trim() : null,
        text: (e.innerText || e.value || "").trim().slice(0, 200),
      };
    });
  }
  if ("upload" in step) {
    const input = await page.$(step.selector || "input[type=file]");
    await input.uploadFile(step.upload);
    return {};
  }
  if ("click" in step) {
    return await navigation(page, () => page.click(step.click));
  }
  if ("keyboard_submit" in step) {
    return await navigation(page, () => page.keyboard.press("Enter"));
  }
  throw new Error(`unknown step ${JSON.stringify(step)}`);
}

const browser = await puppeteer.launch({
  executablePath: browserPath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const results = [];
let error = null;
try {
  const page = await browser.newPage();
  await page.setBypassCSP(true); // only so that axe-core can be injected; the pages run no script
  await page.setViewport({ width: 1024, height: 800 });
  for (const step of steps) results.push(await run(page, step));
} catch (exc) {
  error = String(exc && exc.stack ? exc.stack : exc);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify({ results, error }));
