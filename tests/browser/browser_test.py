#!/usr/bin/env python3
"""Browser test (ctest label `browser`; also `lab`: it builds a lab, run it under the lab lock).

Runs scenarios/janog36-model2.yaml as lab i17-br (--keep), then, in Debian's chromium headless over the DevTools
protocol:
  report.html   Sankey bands exist, their widths follow their bytes (one scale), hovering a band shows its
                bytes / packets / flows; the AS analysis table has the scenario's bytes under AS 65533 / transit;
                no console error; screenshot report.png.
  time steps    scenarios/dualstack-failover.yaml (lab i17-fo, `collect: {interval: 2s}`): on its report's slider a
                step before `link down r1:eth1` sends the bytes to peer AS 65010 only, a step after it to 65020
                only; screenshot timeline.png.
  labctl ui     the live page's numbers change while flowgen sends and then equal `labctl flows`, and so does its
                AS analysis table; a link taken
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
FAILOVER_LAB = "i17-fo"
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


# bytes of the AS analysis table's cell (AS, role) ("total" for the row's total); None when it is missing.
AS_CELL = """((as, role) => {
  const row = [...document.querySelectorAll('#as-by-role tr')].find(r => r.dataset.key === as);
  const td = row && row.querySelector(`td[data-role="${role}"]`);
  return td ? +td.dataset.bytes : null;
})(%s, %s)"""

def as_65533_bytes(rows):
    """What the collector counted under AS 65533 (the far side: the destination's AS, or the source's inbound): the
    scenario's streams, the converge step's pings and the ICMP port-unreachables they draw, all across r1:eth3."""
    keys = ("src_as", "dst_as", "as_src", "as_dst")  # the table's primitive names, `labctl flows --json`'s keys
    return sum(int(r["bytes"]) for r in rows if "65533" in (str(r.get(k)) for k in keys))


def records_rows(run_dir):
    table = json.load(open(os.path.join(run_dir, "records-c1.json")))
    return [dict(zip(table["primitives"], r["values"]), bytes=r["bytes"]) for r in table["rows"]]


def check_as_tables(browser, where, want):
    got = browser.eval(AS_CELL % (json.dumps("AS 65533"), json.dumps("transit")))
    check(got == want, f"{where}: the AS analysis table counts AS 65533 at its transit interface ({got} == {want})")
    per_interface = browser.eval("[...document.querySelectorAll('#as-per-interface tr')]"
                                 ".filter(r => r.dataset.interface === 'r1:eth3' && r.dataset.key === 'AS 65533')"
                                 ".map(r => +r.dataset.bytes)")
    check(per_interface == [want], f"{where}: r1:eth3's AS breakdown has AS 65533 with the same bytes ({per_interface})")


def check_report(browser, run_dir):
    report = os.path.join(run_dir, "report.html")
    check(os.path.exists(report), "the scenario run wrote report.html")
    browser.navigate("file://" + report)
    browser.pump(0.5)
    check_widths(browser.eval(BAND_FACTS), "report.html")
    check_hover(browser, "report.html")
    want = as_65533_bytes(records_rows(run_dir))
    check(want >= 2 * 1000 * 512 + 500 * 1200, f"records-c1.json holds the scenario's streams ({want} bytes)")
    check_as_tables(browser, "report.html", want)
    browser.screenshot(os.path.join(run_dir, "report.png"))


# ---- time steps (the failover scenario's report) ----------------------------------------------------------------

STEPS = """[...document.querySelectorAll('.time-step')].map(v => ({
  i: +v.dataset.step, event: v.dataset.event, hidden: v.hidden,
  peers: Object.fromEntries([...v.querySelectorAll('table.step-table[data-group="peer_as"] tr[data-key]')]
                            .map(r => [r.dataset.key, +r.dataset.bytes]))}))"""

MOVE_SLIDER = """((i) => { const s = document.getElementById('step-slider'); s.value = i;
  s.dispatchEvent(new Event('input', {bubbles: true})); s.scrollIntoView({block: 'center'});
  return [...document.querySelectorAll('.time-step')].filter(v => !v.hidden).map(v => +v.dataset.step); })(%d)"""


def check_time_steps(browser, run_dir):
    report = os.path.join(run_dir, "report.html")
    check(os.path.exists(os.path.join(run_dir, "steps.json")), "the failover run wrote steps.json")
    browser.navigate("file://" + report)
    browser.pump(0.5)
    steps = browser.eval(STEPS)
    down = next((s["i"] for s in steps if "link down r1:eth1" in s["event"]), None)
    up = next((s["i"] for s in steps if "link up r1:eth1" in s["event"]), len(steps))
    check(down is not None and browser.eval("!!document.getElementById('step-slider')"),
          f"the failover report has a time slider and a step opened by the fault ({len(steps)} steps, fault at {down})")
    if down is None:
        return
    # the steps whose traffic reached either upstream (BGP packets on the uplinks count under "unenriched")
    busy = lambda s: s["peers"].get("AS 65010", 0) + s["peers"].get("AS 65020", 0) > 0  # noqa: E731
    before = [s for s in steps if s["i"] < down and busy(s)]
    after = [s for s in steps if down <= s["i"] < up and busy(s)]
    check(bool(before) and bool(after), f"traffic in steps before and after the fault ({len(before)}, {len(after)})")
    for step, peer, other in ((before[-1] if before else None, "AS 65010", "AS 65020"),
                              (after[0] if after else None, "AS 65020", "AS 65010")):
        if step is None:
            continue
        shown = browser.eval(MOVE_SLIDER % step["i"])
        browser.pump(0.3)
        visible = browser.eval(STEPS)[step["i"]]
        check(shown == [step["i"]], f"the slider at {step['i']} shows that step alone ({shown})")
        check(visible["peers"].get(peer, 0) > 0 and other not in visible["peers"],
              f"step {step['i']} ({'before' if peer == 'AS 65010' else 'after'} the fault): bytes go to {peer} only "
              f"({visible['peers']})")
        bands = browser.eval(f"document.querySelectorAll('.time-step[data-step=\"{step['i']}\"] svg.sankey "
                             "path.band').length")
        check(bands > 0, f"step {step['i']} has its own Sankey ({bands} bands)")
    series = browser.eval("[...document.querySelectorAll('#timeline-peer_as polyline.series')].map(p => p.dataset.key)")
    check({"AS 65010", "AS 65020"} <= set(series), f"the bytes/s graph per peer AS has both peers ({series})")
    browser.screenshot(os.path.join(run_dir, "timeline.png"))


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


UPLINK_RATE = ("(() => { const t = document.querySelector("
               "'svg.topology g.link[data-a=\"r1:eth3\"][data-b=\"u1:eth1\"] text.link-rate');"
               " return t ? {bps: +t.dataset.bps, text: t.textContent} : null; })()")
# Pairs of labels of the live Sankey whose boxes intersect.
LABEL_OVERLAPS = """(() => {
  const boxes = [...document.querySelectorAll('#sankey svg.sankey g.sankey-node text')].map(t => {
    const b = t.getBoundingClientRect(); return {l: b.left, r: b.right, t: b.top, b: b.bottom, s: t.textContent}; });
  const out = [];
  for (let i = 0; i < boxes.length; ++i) for (let j = i + 1; j < boxes.length; ++j) {
    const a = boxes[i], c = boxes[j];
    if (a.l < c.r && c.l < a.r && a.t < c.b && c.t < a.b) out.push(a.s + ' / ' + c.s);
  }
  return {count: boxes.length, overlaps: out};
})()"""


def check_numbers_follow_traffic(browser, labctl, flowgen):
    h1, _ = host_address(labctl, "h1")
    sender = subprocess.Popen([labctl, "exec", LAB, "h3", "--", flowgen, "send", "--stream",
                               f"name=live,dst={h1},proto=udp,sport=5002,dport=40002,packets=36000,size=1000,pps=1500"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen = [page_total(browser)]
    link_rates = []
    while sender.poll() is None:
        browser.pump(1)
        seen.append(page_total(browser))
        link_rates.append(browser.eval(UPLINK_RATE))
    check(sender.returncode == 0, f"flowgen sent ({sender.stderr.read().strip()[-200:]})")
    shown = [r for r in link_rates if r and r["bps"] > 0]
    # (the rate follows the probe's exports, 10 s of active timeout at a time, not flowgen's steady rate)
    check(bool(shown) and all(r["text"].endswith("bit/s") for r in shown),
          f"the uplink r1:eth3 - u1:eth1 shows its rate in bits/s while flowgen sends ({[r['text'] for r in shown][:6]})")
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
        labels = browser.eval(LABEL_OVERLAPS)
        check(labels["count"] > 2 and not labels["overlaps"],
              f"the live Sankey's {labels['count']} labels do not overlap ({labels['overlaps']})")
        check_hover(browser, "live view")
        check(browser.eval("document.querySelectorAll('#talkers-peer_as tr').length > 1 &&"
                           " document.querySelectorAll('#series-as polyline').length > 0"),
              "top talkers and the bytes/s series are drawn")
        flows = run(labctl, "flows", LAB, "--json").stdout.splitlines()
        check_as_tables(browser, "live view", as_65533_bytes([json.loads(x) for x in flows if x.startswith("{")]))
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


def run_failover(labctl, source, out):
    """The failover scenario with time steps, its lab destroyed at the end of the run (no --keep)."""
    fo_dir = os.path.join(out, "browser-failover")
    subprocess.run(["rm", "-rf", fo_dir], check=True)
    r = run(labctl, "run", os.path.join(source, "scenarios/dualstack-failover.yaml"), "--name", FAILOVER_LAB,
            "--out", fo_dir, "-q")
    check(r.returncode == 0, f"failover scenario run passed ({r.stdout.strip()[-300:]} {r.stderr.strip()[-300:]})")
    return fo_dir


def main():
    labctl, flowgen, source, out = sys.argv[1:5]
    run_dir = os.path.join(out, "browser-run")
    subprocess.run(["rm", "-rf", run_dir], check=True)
    fo_dir = run_failover(labctl, source, out)
    try:
        r = run(labctl, "run", os.path.join(source, "scenarios/janog36-model2.yaml"), "--name", LAB, "--keep",
                "--out", run_dir, "-q")
        check(r.returncode == 0, f"scenario run passed ({r.stdout.strip()[-300:]} {r.stderr.strip()[-300:]})")
        check_refusals(labctl)
        browser = Browser()
        try:
            check_report(browser, run_dir)
            check_time_steps(browser, fo_dir)
            check_live(browser, labctl, flowgen, run_dir)
            check_watch(labctl)
            browser.pump(0.5)
            check(not browser.errors, f"no console errors ({browser.errors})")
        finally:
            browser.close()
    finally:
        d = run(labctl, "destroy", LAB)
        check(d.returncode == 0, f"lab destroyed ({d.stderr.strip()})")
    print(f"screenshots: {run_dir}/report.png {run_dir}/live.png {fo_dir}/timeline.png")
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
