// pdf.js (Firefox's viewer) in headless Chromium, for the scripts here: viewer.html and
// pdfjs-dist served from a local HTTP server, one PDF open, every page's layers drawn.
// The browser is Debian's Chromium: nothing is downloaded.
import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const TYPES = { ".mjs": "text/javascript", ".css": "text/css", ".html": "text/html" };

function serve(pdfPath) {
  const pdfjs = path.join(here, "node_modules", "pdfjs-dist");
  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url, "http://localhost");
    let file;
    if (url.pathname === "/") file = path.join(here, "viewer.html");
    else if (url.pathname === "/form.pdf") file = pdfPath;
    else if (url.pathname.startsWith("/pdfjs/")) {
      file = path.join(pdfjs, path.normalize(url.pathname.slice("/pdfjs/".length)));
      if (!file.startsWith(pdfjs + path.sep)) file = null;
    }
    try {
      if (!file) throw new Error("not served");
      const body = await readFile(file);
      response.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404);
      response.end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// Runs `use(page)` with `pdfPath` open in pdf.js's viewer, every page's form and structure
// layers drawn; returns what `use` returns. No timeouts (0): the steps wait for what they
// need, however slow the machine.
export async function withViewer(pdfPath, browserPath, use) {
  const server = await serve(pdfPath);
  const browser = await puppeteer.launch({
    executablePath: browserPath,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
    timeout: 0,
    protocolTimeout: 0,
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(0);
    await page.setViewport({ width: 1000, height: 1400 });
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.loaded !== undefined);
    await page.evaluate(() => window.loaded);
    return await use(page);
  } finally {
    await browser.close();
    server.close();
  }
}
