#!/usr/bin/env python3
"""Browser test (ctest label `browser`; also `lab`: it builds a lab, run it under the lab lock).

Runs scenarios/janog36-model2.yaml as lab i17-br (--keep), then, in Debian's chromium headless over the DevTools
protocol:
  report.html   Sankey bands exist, their widths follow their bytes (one scale), hovering a band shows its
                bytes / packets / flows; no console error; screenshot report.png.
  labctl ui     the live page's numbers change while flowgen sends and then equal `labctl flows`; a link taken
                down inside the lab (ip link set ... down in its namespace) turns red within 5 s; hovering the live
                Sankey shows the sums; no console error; screenshot live.png; SIGINT stops the server (exit 0).
Also: `labctl flows --watch` redraws the same tables with rates; `labctl ui` on an unknown lab and on a non-loopback address without --allow-remote exit 2 with a reason.
Screenshots go into the run directory (argv: LABCTL FLOWGEN SOURCE_DIR OUT_DIR). The lab is destroyed at the end.
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from devtools import Browser  # noqa: E402

LAB = "i17-br"
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def run(*argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


# ---- report.html ------------------------------------------------------------------------------------------------

BAND_FACTS = """(() => {
  const bands = [...document.querySelectorAll('svg.sankey path.band')];
  return bands.map(b => ({w: parseFloat(b.getAttribute('stroke-width')), bytes: +b.dataset.bytes,
                          packets: +b.dataset.packets, flows: +b.dataset.flows}));
})()"""

# The screen point in the middle of band i (on its centre line), scrolled into view first.
BAND_POINT = """((i) => {
  const b = document.querySelectorAll('svg.sankey path.band')[i];
  b.scrollIntoView({block: 'center'});
  const p = b.getPointAtLength(b.getTotalLength() / 2).matrixTransform(b.getScreenCTM());
  return {x: p.x, y: p.y};
})(%d)"""


def check_widths(bands, where):
    check(len(bands) > 0, f"{where}: the Sankey has bands ({len(bands)})")
    wide = [b for b in bands if b["w"] > 2 and b["bytes"] > 0]  # narrower ones are drawn at the 1-unit minimum
    if wide:
        scales = [b["w"] / b["bytes"] for b in wide]
        spread = max(scales) / min(scales)
        check(spread < 1.02, f"{where}: band widths follow bytes (width/bytes spread {spread:.4f} over {len(wide)})")
    else:
        check(False, f"{where}: no band wide enough to measure")


def check_hover(browser, where):
    bands = browser.eval(BAND_FACTS)
    best = max(range(len(bands)), key=lambda i: bands[i]["w"])
    point = browser.eval(BAND_POINT % best)
    browser.hover(point["x"], point["y"])
    browser.pump(0.3)
    tip = browser.eval("(() => { const t = document.getElementById('sankey-tip');"
                       " return t && t.style.display !== 'none' ? t.textContent : ''; })()")
    hot = browser.eval("(() => { const h = document.querySelector('svg.sankey .hot');"
                       " return h ? {bytes: h.dataset.bytes, packets: h.dataset.packets, flows: h.dataset.flows} : null;"
                       " })()")
    check(hot is not None, f"{where}: hovering a band highlights it")
    if hot:
        want = [f"{int(hot['bytes']):,} bytes", f"{int(hot['packets']):,} packets", f"{int(hot['flows']):,} flows"]
        check(all(w in tip for w in want) and int(hot["packets"]) > 0,
              f"{where}: the hover box shows bytes, packets and flows ({tip!r})")
    browser.hover(1, 1)


def check_report(browser, run_dir):
    report = os.path.join(run_dir, "report.html")
    check(os.path.exists(report), "the scenario run wrote report.html")
    browser.navigate("file://" + report)
    browser.pump(0.5)
    check_widths(browser.eval(BAND_FACTS), "report.html")
    check_hover(browser, "report.html")
    browser.screenshot(os.path.join(run_dir, "report.png"))


# ---- labctl ui --------------------------------------------------------------------------------------------------

def flows_total(labctl):
    out = run(labctl, "flows", LAB, "--json")
    if out.returncode != 0:
        return None
    return sum(json.loads(line).get("bytes", 0) for line in out.stdout.splitlines() if line.strip().startswith("{"))


def page_total(browser):
    return int(browser.eval("document.getElementById('total-bytes').dataset.value"))


def start_ui(labctl):
    ui = subprocess.Popen([labctl, "ui", LAB, "--listen", "127.0.0.1:0", "--interval", "1"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = ui.stdout.readline()
    check("read-only" in line and "http://127.0.0.1:" in line, f"labctl ui says where it listens ({line.strip()!r})")
    url = line[line.index("http://"):].split()[0]
    return ui, url


def host_address(labctl, node):
    lab = json.loads(run(labctl, "inspect", LAB, "--json").stdout)
    n = next(x for x in lab["nodes"] if x["name"] == node)
    return n["interfaces"][0]["ipv4"].split("/")[0], {x["name"]: x["namespace"] for x in lab["nodes"]}


def check_numbers_follow_traffic(browser, labctl, flowgen):
    h1, _ = host_address(labctl, "h1")
    sender = subprocess.Popen([labctl, "exec", LAB, "h3", "--", flowgen, "send", "--stream",
                               f"name=live,dst={h1},proto=udp,sport=5002,dport=40002,packets=36000,size=1000,pps=1500"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen = [page_total(browser)]
    while sender.poll() is None:
        browser.pump(1)
        seen.append(page_total(browser))
    check(sender.returncode == 0, f"flowgen sent ({sender.stderr.read().strip()[-200:]})")
    rises = sum(1 for a, b in zip(seen, seen[1:]) if b > a)
    check(rises >= 2, f"the live total rose while flowgen sent ({rises} rises: {seen[0]} .. {seen[-1]})")
    matched = False
    for _ in range(30):  # the probe's inactive timeout flushes the last records within seconds
        before = flows_total(labctl)
        browser.pump(2.5)
        shown = page_total(browser)
        after = flows_total(labctl)
        if before is not None and before == after == shown:
            matched = True
            break
    check(matched, f"the live total equals labctl flows once traffic stopped ({shown} vs {before}/{after})")


LINK_DOWN = ("(() => { const g = document.querySelector('svg.topology g.link[data-a=\"r2:eth2\"][data-b=\"r3:eth2\"]');"
             " return g && g.classList.contains('down') &&"
             " getComputedStyle(g.querySelector('line')).stroke === 'rgb(214, 39, 40)'; })()")


def check_link_down(browser, labctl):
    _, namespaces = host_address(labctl, "h1")
    check(not browser.eval(LINK_DOWN), "link r2:eth2 - r3:eth2 is drawn up before")
    down = run("ip", "-n", namespaces["r3"], "link", "set", "eth2", "down")
    check(down.returncode == 0, f"ip link set eth2 down in {namespaces['r3']} ({down.stderr.strip()})")
    start = time.time()
    red = browser.wait_for(LINK_DOWN, 5)
    check(red, f"the link turned red within 5 s ({time.time() - start:.1f} s)")


def check_live(browser, labctl, flowgen, run_dir):
    ui, url = start_ui(labctl)
    try:
        browser.navigate(url)
        check(browser.wait_for("!!document.querySelector('#topology svg.topology') &&"
                               " document.getElementById('updated').textContent !== 'never'", 15),
              "the live page drew the topology and a first snapshot")
        check_numbers_follow_traffic(browser, labctl, flowgen)
        check(browser.wait_for("document.querySelectorAll('#sankey svg.sankey path.band').length > 0", 10),
              "the live Sankey has bands")
        check_widths(browser.eval(BAND_FACTS), "live view")
        check_hover(browser, "live view")
        check(browser.eval("document.querySelectorAll('#talkers-peer_as tr').length > 1 &&"
                           " document.querySelectorAll('#series-as polyline').length > 0"),
              "top talkers and the bytes/s series are drawn")
        check_link_down(browser, labctl)
        browser.screenshot(os.path.join(run_dir, "live.png"))
        browser.pump(0.5)
    finally:
        browser.navigate("about:blank")  # before the server stops: its event stream would retry and log an error
        ui.send_signal(signal.SIGINT)
        try:
            code = ui.wait(timeout=10)
        except subprocess.TimeoutExpired:
            ui.kill()
            code = "hung"
    check(code == 0, f"labctl ui stops cleanly on SIGINT (exit {code})")


def check_watch(labctl):
    """labctl flows --watch: the same tables in the terminal, redrawn in place until Ctrl-C."""
    watch = subprocess.Popen([labctl, "flows", LAB, "--watch", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    time.sleep(3.5)
    watch.send_signal(signal.SIGINT)
    out, err = watch.communicate(timeout=10)
    frames = out.count("\033[H\033[2J")
    check(watch.returncode == 0 and frames >= 2 and "BYTES/S" in out and "AS 65530" in out,
          f"labctl flows --watch 1 redraws the top talkers with rates ({frames} frames, exit {watch.returncode}) {err}")


def check_refusals(labctl):
    r = run(labctl, "ui", "i17-no-such-lab")
    check(r.returncode == 2 and "no lab named" in r.stderr, f"ui on an unknown lab: exit 2 ({r.stderr.strip()})")
    r = run(labctl, "ui", LAB, "--listen", "0.0.0.0:0")
    check(r.returncode == 2 and "--allow-remote" in r.stderr, f"non-loopback needs --allow-remote ({r.stderr.strip()})")


def main():
    labctl, flowgen, source, out = sys.argv[1:5]
    run_dir = os.path.join(out, "browser-run")
    subprocess.run(["rm", "-rf", run_dir], check=True)
    try:
        r = run(labctl, "run", os.path.join(source, "scenarios/janog36-model2.yaml"), "--name", LAB, "--keep",
                "--out", run_dir, "-q")
        check(r.returncode == 0, f"scenario run passed ({r.stdout.strip()[-300:]} {r.stderr.strip()[-300:]})")
        check_refusals(labctl)
        browser = Browser()
        try:
            check_report(browser, run_dir)
            check_live(browser, labctl, flowgen, run_dir)
            check_watch(labctl)
            browser.pump(0.5)
            check(not browser.errors, f"no console errors ({browser.errors})")
        finally:
            browser.close()
    finally:
        d = run(labctl, "destroy", LAB)
        check(d.returncode == 0, f"lab destroyed ({d.stderr.strip()})")
    print(f"screenshots: {run_dir}/report.png {run_dir}/live.png")
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
