// Fill a PDF form in pdf.js (Firefox's viewer) inside headless Chromium as a person does,
// then save it as pdf.js saves it (pdfDocument.saveDocument(), Firefox's "Save").
// Usage: node fill_and_save.mjs FORM.pdf VALUES.json OUT.pdf [CHROMIUM]
// VALUES.json is {"field name": "text", ...}. For each field in turn: click its box in
// pdf.js's form layer (an <input> or <textarea> named after the field), select what it
// holds, type the text on the keyboard (puppeteer's keyboard.type: a key press for each
// character on a US keyboard, the browser's text insertion for any other), then Tab away.
// Past its first KEYED characters a long text goes in as one insertion (keyboard.sendCharacter,
// CDP's Input.insertText: what an input method or a paste does), since key by key costs
// about 10 ms a character (the group record's 7,930 took 77 s). An insertion is still the
// browser's editing: it fires "input" and the browser cuts it at maxlength, as for keys.
// The browser enforces the field's maxlength (pdf.js sets it from /MaxLen) while typing,
// and pdf.js records the value in its annotation storage on each "input" event.
// Prints one JSON object: {"fields": {name: {"maxLength", "typed", "kept"}}, "bytes"}.
import { writeFile, readFile } from "node:fs/promises";
import { withViewer } from "./viewer.mjs";

const [pdfPath, valuesPath, outPath, browserPath = "/usr/bin/chromium"] = process.argv.slice(2);
const KEYED = 80;
const values = JSON.parse(await readFile(valuesPath, "utf8"));

async function fill(page, name, text) {
  const boxes = await page.$$(`.annotationLayer [name="${name.replaceAll('"', '\\"')}"]`);
  if (boxes.length !== 1) throw new Error(`${name}: ${boxes.length} boxes in pdf.js's form layer`);
  const [box] = boxes;
  await box.click(); // scrolls it into view first, as a person would
  const focused = await page.evaluate(() => document.activeElement?.name ?? null);
  if (focused !== name) throw new Error(`${name}: a click focused ${focused}`);
  await page.keyboard.down("Control");
  await page.keyboard.press("KeyA");
  await page.keyboard.up("Control");
  await page.keyboard.type(text.slice(0, KEYED));
  if (text.length > KEYED) await page.keyboard.sendCharacter(text.slice(KEYED));
  const facts = await box.evaluate((element) => ({
    maxLength: element.maxLength,
    kept: element.value,
  }));
  await page.keyboard.press("Tab"); // leave the field: pdf.js commits it
  return { maxLength: facts.maxLength, typed: text.length, kept: facts.kept.length };
}

await withViewer(pdfPath, browserPath, async (page) => {
  const fields = {};
  for (const [name, text] of Object.entries(values)) fields[name] = await fill(page, name, text);
  const saved = await page.evaluate(async () => {
    const bytes = await window.pdfDocument.saveDocument();
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  });
  const bytes = Buffer.from(saved, "base64");
  await writeFile(outPath, bytes);
  process.stdout.write(JSON.stringify({ fields, bytes: bytes.length }) + "\n");
});
