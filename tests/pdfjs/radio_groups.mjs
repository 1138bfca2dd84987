// Open a PDF in pdf.js (Firefox's viewer) inside headless Chromium and report, as one
// JSON object on stdout, what a keyboard and a screen reader meet at its radio buttons:
//   radios: every <input type="radio"> with its group name, its box's aria-label and
//           title, and the role and name Chromium's accessibility tree gives the input
//           and its box (the <section> pdf.js wraps each widget in);
//   tabs:   the elements focused by pressing Tab from the top until focus comes back, each
//           with the role and name Chromium's accessibility tree gives it;
//   arrow:  what ArrowRight does from the first button of a group (focus and checked).
// Usage: node radio_groups.mjs FORM.pdf [CHROMIUM]; tests/forms/test_radio_groups.py runs it.
import { withViewer } from "./viewer.mjs";

const [pdfPath, browserPath = "/usr/bin/chromium"] = process.argv.slice(2);

// The focused element: a number of its own (the first focused is 0), what it is, its field
// name, and its box's label.
function describeFocused() {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const box = element.closest("section");
  window.seen ??= new Map();
  if (!window.seen.has(element)) window.seen.set(element, window.seen.size);
  return {
    id: window.seen.get(element),
    tag: element.tagName.toLowerCase(),
    type: element.type || null,
    name: element.name || null,
    label: box?.getAttribute("aria-label") ?? null,
    checked: element.checked ?? null,
  };
}

await withViewer(pdfPath, browserPath, async (page) => {
  const radios = [];
  for (const handle of await page.$$("input[type=radio]")) {
    const facts = await handle.evaluate((input) => {
      const box = input.closest("section");
      return {
        name: input.name,
        label: box?.getAttribute("aria-label") ?? null,
        title: box?.getAttribute("title") ?? null,
      };
    });
    const node = await page.accessibility.snapshot({ root: handle, interestingOnly: false });
    const box = await handle.evaluateHandle((input) => input.closest("section"));
    const region = await page.accessibility.snapshot({ root: box, interestingOnly: false });
    radios.push({
      ...facts,
      role: node?.role ?? null,
      accessibleName: node?.name ?? "",
      boxRole: region?.role ?? null,
      boxName: region?.name ?? "",
      boxHolds: (region?.children ?? []).map((child) => child.role),
    });
  }

  const tabs = [];
  await page.evaluate(() => document.activeElement?.blur());
  for (let press = 0; press < 400; press++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(describeFocused);
    if (focused === null || focused.id < tabs.length) break; // out of the page, or round again
    // What a screen reader announces: the role and name Chromium's accessibility tree gives.
    const handle = await page.evaluateHandle(() => document.activeElement);
    const node = await page.accessibility.snapshot({ root: handle, interestingOnly: false });
    tabs.push({ ...focused, role: node?.role ?? null, accessibleName: node?.name ?? "" });
  }

  const first = radios[0]; // a form may have no radio buttons: then no arrow step
  let arrow = null;
  if (first) {
    await page.evaluate((name) => document.querySelector(`input[type=radio][name="${name}"]`).focus(), first.name);
    await page.keyboard.press("ArrowRight");
    arrow = await page.evaluate(describeFocused);
  }

  process.stdout.write(JSON.stringify({ radios, tabs, arrow }) + "\n");
});
