// The Sankey's hover behaviour (sankey.hpp): one script and its style, inlined into report.html and the live page
// of `labctl ui`. Delegated listeners on the document, so a chart replaced later (the live view redraws it every few
// seconds) keeps working without re-binding. The script has no '&' and no '<', so report.html stays well-formed XML.
#include "labctl/report/sankey.hpp"

namespace flowlab::report {

const char* const kSankeyHoverScript = R"JS(
(function () {
  'use strict';
  var tip = null;
  function fmt(n) { return Number(n || 0).toLocaleString('en-US'); }
  function tipBox() {
    if (!tip) {
      tip = document.createElement('div');
      tip.className = 'sankey-tip';
      tip.id = 'sankey-tip';
      document.body.appendChild(tip);
    }
    return tip;
  }
  function part(e) {
    var t = e.target;
    if (!t || !t.closest) { return null; }
    return t.closest('svg.sankey .band, svg.sankey .sankey-node');
  }
  document.addEventListener('mouseover', function (e) {
    var el = part(e);
    if (!el) { return; }
    var svg = el.closest('svg.sankey');
    svg.classList.add('hovering');
    svg.querySelectorAll('.hot').forEach(function (x) { x.classList.remove('hot'); });
    el.classList.add('hot');
    var box = tipBox();
    box.textContent = el.getAttribute('data-label') + ': ' + fmt(el.getAttribute('data-bytes')) + ' bytes, ' +
        fmt(el.getAttribute('data-packets')) + ' packets, ' + fmt(el.getAttribute('data-flows')) + ' flows';
    box.style.display = 'block';
    box.style.left = (e.pageX + 14) + 'px';
    box.style.top = (e.pageY + 14) + 'px';
  });
  document.addEventListener('mouseout', function (e) {
    var el = part(e);
    if (!el) { return; }
    el.classList.remove('hot');
    var svg = el.closest('svg.sankey');
    if (svg) { svg.classList.remove('hovering'); }
    tipBox().style.display = 'none';
  });
})();
)JS";

const char* const kSankeyHoverStyle = R"CSS(
svg.sankey.hovering .band { stroke-opacity: 0.2; }
svg.sankey .band.hot { stroke-opacity: 0.9; }
svg.sankey .sankey-node.hot rect { fill: #e67e22; }
.sankey-tip { position: absolute; display: none; background: #222; color: #fff; padding: 4px 8px; border-radius: 4px;
  font: 12px sans-serif; pointer-events: none; z-index: 10; white-space: nowrap; }
)CSS";

}  // namespace flowlab::report
