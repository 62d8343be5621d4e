/* corpgraph WebGL renderer for large maps: sigma.js 3 + graphology (vendored in vendor/).
 *
 * Registers window.corpgraph.renderers.sigma behind the renderer interface that map.js describes
 * (see visRenderer there): the controller (cards, search, filters, highlight, URL state) is the same
 * for both renderers; only the drawing differs.  Used for maps above render.LARGE_MAP entities, whose
 * positions come precomputed from Python (nothing is laid out here).
 *
 * The same visual language as vis-network: colours and shapes from the ontology (one WebGL program
 * draws every shape), line width by money, arrows, the path in orange.  Two differences, said in
 * the legend: likely, alleged and denied claims are lighter lines instead of dashed ones, and line
 * labels show on hover and in the cards, not on the lines.  Labels are drawn on a canvas by sigma
 * (text, never HTML), as many as fit without overlapping at the current zoom.
 */
(function () {
  "use strict";
  var CG = (window.corpgraph = window.corpgraph || {});
  CG.renderers = CG.renderers || {};

  // Without WebGL (sigma's script then fails as it loads, or sigma cannot start): the page says so,
  // and the cards, search and the table of relationships keep working.
  function withoutWebGL(container, view, reason) {
    var doc = view.doc, note = document.createElement("p");
    note.className = "cg-webgl-missing";
    note.textContent = "This map of " + doc.nodes.length + " entities is drawn with WebGL, which this browser does not offer (" +
      reason + "). Search, the cards and the table of relationships below still work.";
    container.appendChild(note);
    setTimeout(function () { view.emit("settled"); }, 0);
    function noop() {}
    return {
      name: "sigma", ownLabels: true, apply: noop, add: noop, focus: noop, fit: noop, select: noop, selectEdge: noop,
      positions: function () {
        var out = {};
        doc.nodes.forEach(function (n) { if (n.x !== undefined) out[n.id] = [n.x, n.y]; });
        return out;
      },
      scale: function () { return 1; }, toDOM: function (xy) { return xy; },
      nodeRadius: function () { return 0; }, canvas: function () { return null; },
      connectedEdges: function () { return []; }, destroy: noop
    };
  }
  if (typeof window.Sigma === "undefined" || typeof window.graphology === "undefined") {
    CG.renderers.sigma = function (container, view) { return withoutWebGL(container, view, "the WebGL library did not load"); };
    return;
  }

  // the colours of map.js's vis renderer
  var EDGE_COLOUR = "#7a7a7a", PATH_COLOUR = "#ff8c00", MUTED_COLOUR = "#c8c8c8", FADED = "rgba(200,200,200,0.35)";
  var FONT_FACE = "Helvetica, Arial, sans-serif";
  var SHAPES = { dot: 0, square: 1, triangle: 2, diamond: 3, triangleDown: 4, star: 5, hexagon: 6 };
  var Sigma = window.Sigma, rendering = Sigma.rendering, floatColor = Sigma.utils.floatColor;
  // Entities drawn at this fraction of their vis-network size: a large map's precomputed layout
  // packs thousands of entities closely, and full-size discs would hide one another and their lines.
  var NODE_SCALE = 0.4, EDGE_SCALE = 0.5;
  // above this many lines, the first frame draws them before graphology holds them (a page may set
  // window.corpgraph.earlyLines before the scripts run, as the tests do)
  var EARLY_LINES = 20000;
  var PICK_THICKNESS = 2;  // the least thickness (in minEdgeThickness units) of a line in the picking buffer

  // -- one node program for every shape: a point sprite cut to the shape in the fragment shader ---------
  var VERTEX = [
    "attribute vec4 a_id;",
    "attribute vec4 a_color;",
    "attribute vec4 a_border;",
    "attribute vec2 a_position;",
    "attribute float a_size;",
    "attribute float a_shape;",
    "attribute float a_ring;",
    "uniform float u_sizeRatio;",
    "uniform float u_pixelRatio;",
    "uniform mat3 u_matrix;",
    "varying vec4 v_color;",
    "varying vec4 v_border;",
    "varying float v_shape;",
    "varying float v_ring;",
    "varying float v_feather;",
    "const float bias = 255.0 / 254.0;",
    "void main() {",
    "  gl_Position = vec4((u_matrix * vec3(a_position, 1)).xy, 0, 1);",
    // never smaller than 3 pixels, so a zoomed-out map still shows every entity
    "  float px = max(a_size / u_sizeRatio * u_pixelRatio * 2.0, 3.0 * u_pixelRatio);",
    "  gl_PointSize = px;",
    "  v_feather = 1.0 / px;",
    "  v_shape = a_shape;",
    "  v_ring = a_ring > 0.0 ? max(a_ring, 2.5 / px) : 0.0;",
    "  #ifdef PICKING_MODE",
    "  v_color = a_id;",
    "  #else",
    "  v_color = a_color;",
    "  #endif",
    "  v_color.a *= bias;",
    "  v_border = a_border;",
    "  v_border.a *= bias;",
    "}"
  ].join("\n");
  // inside(p) > 0 inside the shape: about the distance to its outline, in sprite units (p in [-0.5, 0.5]^2)
  var FRAGMENT = [
    "precision mediump float;",
    "varying vec4 v_color;",
    "varying vec4 v_border;",
    "varying float v_shape;",
    "varying float v_ring;",
    "varying float v_feather;",
    "float triangle(vec2 p, float up) {",
    "  float y = up * p.y;",
    "  return min(y + 0.25, 0.25 - (0.866 * abs(p.x) + 0.5 * y));",
    "}",
    "float star(vec2 p) {",
    "  float sector = 1.2566371;",  // 2 pi / 5
    "  float a = mod(atan(p.x, p.y) + sector * 0.5, sector) - sector * 0.5;",
    "  vec2 q = length(p) * vec2(cos(abs(a)), sin(abs(a)));",  // in the frame of the nearest tip
    "  vec2 tip = vec2(0.5, 0.0), inner = 0.2 * vec2(0.809017, 0.587785);",
    "  vec2 edge = inner - tip, n = normalize(vec2(edge.y, -edge.x));",
    "  return dot(n, tip - q);",
    "}",
    "float inside(vec2 p, float shape) {",
    "  vec2 q = abs(p);",
    "  if (shape < 0.5) return 0.5 - length(p);",
    "  if (shape < 1.5) return 0.45 - max(q.x, q.y);",
    "  if (shape < 2.5) return triangle(p, 1.0);",
    "  if (shape < 3.5) return (0.5 - q.x - q.y) * 0.7071;",
    "  if (shape < 4.5) return triangle(p, -1.0);",
    "  if (shape < 5.5) return star(p);",
    "  return min(0.45 - q.y, 0.45 - (0.866 * q.x + 0.5 * q.y));",
    "}",
    "void main(void) {",
    "  vec2 p = gl_PointCoord - vec2(0.5, 0.5);",
    "  p.y = -p.y;",  // gl_PointCoord grows downwards; shapes are written upwards
    "  float d = inside(p, v_shape);",
    "  if (d <= 0.0) discard;",
    "  #ifdef PICKING_MODE",
    "  gl_FragColor = v_color;",
    "  #else",
    "  vec4 c = (v_ring > 0.0 && d < v_ring) ? v_border : v_color;",
    "  gl_FragColor = c * clamp(d / v_feather, 0.0, 1.0);",
    "  #endif",
    "}"
  ].join("\n");

  var GL = WebGLRenderingContext;
  class NodeShapeProgram extends rendering.NodeProgram {
    getDefinition() {
      return {
        VERTICES: 1,
        VERTEX_SHADER_SOURCE: VERTEX,
        FRAGMENT_SHADER_SOURCE: FRAGMENT,
        METHOD: GL.POINTS,
        UNIFORMS: ["u_sizeRatio", "u_pixelRatio", "u_matrix"],
        ATTRIBUTES: [
          { name: "a_position", size: 2, type: GL.FLOAT },
          { name: "a_size", size: 1, type: GL.FLOAT },
          { name: "a_shape", size: 1, type: GL.FLOAT },
          { name: "a_ring", size: 1, type: GL.FLOAT },
          { name: "a_color", size: 4, type: GL.UNSIGNED_BYTE, normalized: true },
          { name: "a_border", size: 4, type: GL.UNSIGNED_BYTE, normalized: true },
          { name: "a_id", size: 4, type: GL.UNSIGNED_BYTE, normalized: true }
        ]
      };
    }
    processVisibleItem(nodeIndex, startIndex, data) {
      var a = this.array;
      a[startIndex++] = data.x;
      a[startIndex++] = data.y;
      a[startIndex++] = data.size;
      a[startIndex++] = data.cgShape || 0;
      a[startIndex++] = data.cgRing || 0;
      a[startIndex++] = floatColor(data.color);
      a[startIndex++] = floatColor(data.cgBorder || data.color);
      a[startIndex++] = nodeIndex;
    }
    setUniforms(params, ctx) {
      var gl = ctx.gl, u = ctx.uniformLocations;
      gl.uniform1f(u.u_pixelRatio, params.pixelRatio);
      gl.uniform1f(u.u_sizeRatio, params.sizeRatio);
      gl.uniformMatrix3fv(u.u_matrix, false, params.matrix);
    }
  }

  // -- lines: one plain (not instanced) draw of triangles for all of them ------------------------------
  /* sigma's own edge programs draw each line as an instance; software WebGL (SwiftShader, what headless
   * Chromium and GPU-less machines use) pays a fixed cost per instance, which made 100,000 lines take
   * about 10 s per frame.  These programs write every vertex out instead (6 per line, 9 with its arrow
   * head) and draw them all at once; the geometry follows sigma's units (thickness and node radius in
   * pixels at the current size ratio, offsets in framed-graph coordinates). */
  var EDGE_VERTEX = [
    "attribute vec4 a_id;",
    "attribute vec4 a_color;",
    "attribute vec2 a_source;",
    "attribute vec2 a_target;",
    "attribute float a_thickness;",
    // which vertex (0-5 the body, 6-8 the arrow head) + 16 * the target entity's size in 1/256ths
    "attribute float a_cornerRadius;",
    "uniform mat3 u_matrix;",
    "uniform float u_sizeRatio;",
    "uniform float u_correctionRatio;",
    "uniform float u_minEdgeThickness;",
    "uniform float u_head;",
    "varying vec4 v_color;",
    "const float bias = 255.0 / 254.0;",
    "void main() {",
    "  vec2 d = a_target - a_source;",
    "  float len = length(d);",
    "  vec2 n = len > 0.0 ? vec2(-d.y, d.x) / len : vec2(0.0, 0.0);",  // perpendicular to the line
    "  vec2 dir = vec2(n.y, -n.x);",
    "  float w = len > 0.0 && a_thickness > 0.0 ? max(a_thickness / u_sizeRatio, u_minEdgeThickness) * u_correctionRatio : 0.0;",
    "  float c = mod(a_cornerRadius, 16.0);",
    "  float radius = floor(a_cornerRadius / 16.0) / 256.0 * 2.0 * u_correctionRatio / u_sizeRatio;",
    "  float headLength = w * 5.0, headWidth = w * 2.0;",
    "  vec2 end = a_target - dir * (radius + headLength * u_head);",
    "  vec2 p;",
    "  if (c < 0.5) p = a_source + n * w;",
    "  else if (c < 1.5) p = a_source - n * w;",
    "  else if (c < 3.5) p = end + n * w;",
    "  else if (c < 4.5) p = a_source - n * w;",
    "  else if (c < 5.5) p = end - n * w;",
    "  else if (c < 6.5) p = a_target - dir * radius;",
    "  else if (c < 7.5) p = a_target - dir * (radius + headLength) + n * headWidth;",
    "  else p = a_target - dir * (radius + headLength) - n * headWidth;",
    "  gl_Position = vec4((u_matrix * vec3(p, 1)).xy, 0, 1);",
    "  #ifdef PICKING_MODE",
    "  v_color = a_id;",
    "  #else",
    "  v_color = a_color;",
    "  #endif",
    "  v_color.a *= bias;",
    "}"
  ].join("\n");
  var EDGE_FRAGMENT = "precision mediump float;\nvarying vec4 v_color;\nvoid main(void) { gl_FragColor = v_color; }\n";

  function flatEdgeProgram(withHead) {
    var vertices = withHead ? 9 : 6;
    return class FlatEdgeProgram extends rendering.EdgeProgram {
      getDefinition() {
        return {
          VERTICES: vertices,
          VERTEX_SHADER_SOURCE: EDGE_VERTEX,
          FRAGMENT_SHADER_SOURCE: EDGE_FRAGMENT,
          METHOD: GL.TRIANGLES,
          UNIFORMS: ["u_matrix", "u_sizeRatio", "u_correctionRatio", "u_minEdgeThickness", "u_head"],
          ATTRIBUTES: [
            { name: "a_source", size: 2, type: GL.FLOAT },
            { name: "a_target", size: 2, type: GL.FLOAT },
            { name: "a_thickness", size: 1, type: GL.FLOAT },
            { name: "a_cornerRadius", size: 1, type: GL.FLOAT },
            { name: "a_color", size: 4, type: GL.UNSIGNED_BYTE, normalized: true },
            { name: "a_id", size: 4, type: GL.UNSIGNED_BYTE, normalized: true }
          ]
        };
      }
      // 8 floats a vertex (the direction is worked out in the shader, the corner and the target's size
      // share one float): less to upload and to read on every frame than with the normal stored
      processVisibleItem(edgeIndex, i, source, target, data) {
        var thickness = data.size || 1, color = floatColor(data.color), a = this.array;
        var radius = 16 * Math.min(Math.round((target.size || 1) * 256), 1048575);
        for (var c = 0; c < vertices; c++) {
          a[i++] = source.x; a[i++] = source.y; a[i++] = target.x; a[i++] = target.y;
          a[i++] = thickness; a[i++] = radius + c; a[i++] = color; a[i++] = edgeIndex;
        }
      }
      setUniforms(params, ctx) {
        var gl = ctx.gl, u = ctx.uniformLocations;
        gl.uniformMatrix3fv(u.u_matrix, false, params.matrix);
        gl.uniform1f(u.u_sizeRatio, params.sizeRatio);
        gl.uniform1f(u.u_correctionRatio, params.correctionRatio);
        gl.uniform1f(u.u_minEdgeThickness, params.minEdgeThickness);
        gl.uniform1f(u.u_head, withHead ? 1 : 0);
      }
      // Sigma draws every line twice a frame: on screen, and in ids into the picking buffer that
      // finds the line under the pointer.  Here a frame draws the lines on screen only; the picking
      // pass of that frame waits until the pointer asks which line it is on (pickPending below),
      // which on software WebGL takes about a fifth off each frame, the first one included.
      render(params) {
        if (this.hasNothingToRender()) return;
        this.cgPickParams = this.pickProgram ? params : null;
        this.normalProgram.gl.viewport(0, 0, params.width * params.pixelRatio, params.height * params.pixelRatio);
        this.bindProgram(this.normalProgram);
        this.renderProgram(params, this.normalProgram);
        this.unbindProgram(this.normalProgram);
      }
      renderPick() {
        var params = this.cgPickParams, gl = this.pickProgram && this.pickProgram.gl;
        if (!params || !gl) return;
        this.cgPickParams = null;
        gl.viewport(0, 0, (params.width * params.pixelRatio) / params.downSizingRatio, (params.height * params.pixelRatio) / params.downSizingRatio);
        this.bindProgram(this.pickProgram);
        // a few screen pixels wide in the picking buffer (drawn at half size): a thin line, or
        // one lying along a row of pixels, would otherwise leave no trace there and could not be pointed at
        var pick = Object.assign({}, params, { pixelRatio: params.pixelRatio / params.downSizingRatio,
                                               minEdgeThickness: Math.max(params.minEdgeThickness, PICK_THICKNESS) });
        this.renderProgram(pick, this.pickProgram);
        this.unbindProgram(this.pickProgram);
        gl.bindFramebuffer(gl.FRAMEBUFFER, null);
        gl.viewport(0, 0, params.width * params.pixelRatio, params.height * params.pixelRatio);
      }
    };
  }
  var EdgeArrowFlat = flatEdgeProgram(true), EdgeLineFlat = flatEdgeProgram(false);

  // "#7a7a7a" -> a colour `t` of the way to white (likely and alleged claims are drawn lighter)
  function lighter(hex, t) {
    var m = /^#([0-9a-f]{6})$/i.exec(hex || "");
    if (!m) return hex;
    var n = parseInt(m[1], 16), out = "#";
    [16, 8, 0].forEach(function (shift) {
      var c = (n >> shift) & 255, v = Math.round(c + (255 - c) * t);
      out += (v < 16 ? "0" : "") + v.toString(16);
    });
    return out;
  }

  // -- the renderer ---------------------------------------------------------------------------------
  function sigmaRenderer(container, view) {
    var doc = view.doc;
    performance.mark("cg-renderer-start");  // the marks are read by bench/bench_bigview.py
    var graph = new window.graphology.MultiDirectedGraph({ allowSelfLoops: true });
    var nodeLooks = {}, edgeLooks = {}, selected = {}, selectedEdge = null;

    function nodeAttrs(n, at) {
      return { x: at ? at[0] : n.x, y: -(at ? at[1] : n.y),  // layout y grows downwards, sigma's upwards
               size: n.size * NODE_SCALE, label: n.label, color: n.colour, cgShape: SHAPES[n.shape] || 0, cgHighlight: !!n.highlight };
    }
    var weakColours = {};  // colour -> its lighter version, worked out once per colour
    function colourOf(e) {
      var base = e.colour || EDGE_COLOUR;
      if (!e.dashed) return base;
      return weakColours[base] || (weakColours[base] = lighter(base, 0.55));
    }
    function edgeAttrs(e) {
      return { size: e.width * EDGE_SCALE, color: colourOf(e), type: e.symmetric ? "line" : "arrow", cgWidth: e.width * EDGE_SCALE };
    }
    doc.nodes.forEach(function (n) {
      graph.addNode(n.id, nodeAttrs(n, n.x === undefined ? [Math.random() * 1000, Math.random() * 1000] : null));
    });
    function addEdges(g) {
      doc.edges.forEach(function (e) {
        if (g.hasNode(e.from) && g.hasNode(e.to)) g.addDirectedEdgeWithKey(e.id, e.from, e.to, edgeAttrs(e));
      });
    }
    /* The first frame: the entities go through graphology and sigma as usual, but the lines are
     * written straight from the document into sigma's line programs (firstLines below), the same
     * geometry and colours sigma would give them.  Putting 100,000 lines into graphology and through
     * sigma's indexing costs seconds; that is done once the first frame is drawn (settle below),
     * and the map settles (events, cards, looks) after it.  Small maps take the usual way at once. */
    var early = doc.edges.length > (typeof CG.earlyLines === "number" ? CG.earlyLines : EARLY_LINES);
    if (!early) addEdges(graph);

    performance.mark("cg-renderer-graph");

    // Sigma indexes the graph (process) before every full draw: while the lines are not in the graph
    // yet, the line programs are then filled from the document.  `quiet` asks one indexing without
    // drawing: the frame on screen is already right, only sigma's indexes are built.
    var quiet = false;
    function firstLines(sg) {
      var at = new Map(), counts = { arrow: 0, line: 0 }, programs = sg.edgePrograms, edges = doc.edges, i, e, a, b;
      graph.forEachNode(function (id) { at.set(id, sg.getNodeDisplayData(id)); });
      for (i = 0; i < edges.length; i++) {  // how many lines each program draws (in graph order, as sigma)
        e = edges[i];
        if (at.has(e.from) && at.has(e.to)) counts[e.symmetric ? "line" : "arrow"]++;
      }
      Object.keys(programs).forEach(function (k) { programs[k].reallocate(counts[k] || 0); counts[k] = 0; });
      var data = { size: 0, color: EDGE_COLOUR };  // what a line program reads of a line (edgeAttrs)
      for (i = 0; i < edges.length; i++) {
        e = edges[i]; a = at.get(e.from); b = at.get(e.to);
        if (!a || !b) continue;
        var type = e.symmetric ? "line" : "arrow";
        data.size = e.width * EDGE_SCALE; data.color = colourOf(e);
        programs[type].process(0, counts[type]++, a, b, data);  // id 0: no line to pick yet
      }
    }
    class FirstFrameSigma extends Sigma {
      process() {
        super.process();
        if (early) firstLines(this);
        return this;
      }
      render() {
        if (!quiet) return super.render();
        quiet = false;
        this.resize();
        if (this.needToProcess) this.process();
        this.needToProcess = false;
        return this;
      }
    }

    function nodeReducer(id, data) {
      var look = nodeLooks[id], ring = data.cgHighlight || selected[id] || (look && look.strong);
      if (!look && !ring) return data;
      var out = Object.assign({}, data);
      if (look && look.hidden) out.hidden = true;
      if (look && look.faded) { out.color = FADED; out.label = null; }
      if (ring) { out.cgRing = 0.14; out.cgBorder = PATH_COLOUR; out.zIndex = 2; out.forceLabel = true; }
      return out;
    }
    function edgeReducer(id, data) {
      var look = edgeLooks[id];
      if (!look && selectedEdge !== id) return data;
      var out = Object.assign({}, data);
      if (look && look.hidden) out.hidden = true;
      if (look && look.strong) { out.color = PATH_COLOUR; out.size = Math.max(data.cgWidth, 4 * EDGE_SCALE); out.zIndex = 2; }
      else if (look && look.muted) { out.color = MUTED_COLOUR; out.size = Math.min(data.cgWidth, 1.5 * EDGE_SCALE); out.zIndex = 1; }
      if (look && look.faded) { out.color = FADED; out.zIndex = 0; }
      if (selectedEdge === id) { out.color = look && look.strong ? PATH_COLOUR : "#333333"; out.size = Math.max(out.size, 3 * EDGE_SCALE); out.zIndex = 3; }
      return out;
    }

    var sigma;
    try {
      sigma = makeSigma();
    } catch (err) {  // no WebGL in this browser: say so, and keep the cards, search and table working
      return withoutWebGL(container, view, err && err.message ? err.message : String(err));
    }
    function makeSigma() { return new FirstFrameSigma(graph, container, {
      allowInvalidContainer: true,
      itemSizesReference: "positions",  // sizes in layout units, as vis-network: nodes grow as one zooms in
      zoomToSizeRatioFunction: function (ratio) { return ratio; },
      minEdgeThickness: 0.6,
      defaultNodeType: "shape",
      nodeProgramClasses: { shape: NodeShapeProgram },
      edgeProgramClasses: { arrow: EdgeArrowFlat, line: EdgeLineFlat },
      enableEdgeEvents: true,
      renderEdgeLabels: false,
      labelFont: FONT_FACE,
      labelSize: 13,
      labelColor: { color: "#222" },
      labelRenderedSizeThreshold: 5,
      labelDensity: 0.4,
      labelGridCellSize: 140,
      zIndex: true,
      minCameraRatio: 0.002,
      maxCameraRatio: 4,
      stagePadding: 20,
      nodeReducer: nodeReducer,
      edgeReducer: edgeReducer
    }); }
    window.cgSigma = sigma; window.cgGraph = graph;  // for tests and benches
    // the lines' picking pass of the last frame, drawn when sigma first asks for the line at a point
    var pickLines = sigma.getEdgeAtPoint;
    sigma.getEdgeAtPoint = function (x, y) {
      Object.keys(sigma.edgePrograms || {}).forEach(function (k) {
        var program = sigma.edgePrograms[k];
        if (program.renderPick) program.renderPick();
      });
      return pickLines.call(sigma, x, y);
    };
    performance.mark("cg-renderer-ready");

    var camera = sigma.getCamera();
    function pointer(ev) { return ev && ev.event ? { x: ev.event.x, y: ev.event.y } : { x: 0, y: 0 }; }
    sigma.on("clickNode", function (ev) { var p = pointer(ev); view.emit("click", { type: "node", id: ev.node, x: p.x, y: p.y }); });
    sigma.on("clickEdge", function (ev) { var p = pointer(ev); view.emit("click", { type: "edge", id: ev.edge, x: p.x, y: p.y }); });
    sigma.on("clickStage", function () { view.emit("click", { type: null }); });
    sigma.on("enterNode", function (ev) { var p = pointer(ev); view.emit("hover", { type: "node", id: ev.node, x: p.x, y: p.y }); });
    sigma.on("enterEdge", function (ev) { var p = pointer(ev); view.emit("hover", { type: "edge", id: ev.edge, x: p.x, y: p.y }); });
    sigma.on("leaveNode", function () { view.emit("blur"); });
    sigma.on("leaveEdge", function () { view.emit("blur"); });
    sigma.on("downStage", function () { view.emit("blur"); });
    // Sigma draws the whole graph once as it starts (no second pass here: on 100,000 lines that
    // would index and draw it all again).  The drawing commands are sent to the GPU (or its software
    // stand-in, in another process) now, and the page goes on with its own work (the indexes, the
    // legend, the table) while they are carried out.  With WebGL 2, a fence on each layer says when
    // they are done without waiting for it: the lines of an early first frame go into graphology in
    // slices, and between slices the page looks whether the frame has finished.  Otherwise (or once
    // all slices are in) drawn() waits for it.
    var fences = [];
    Object.keys(sigma.webGLContexts || {}).forEach(function (k) {
      var gl = sigma.webGLContexts[k];
      if (early && typeof gl.fenceSync === "function") fences.push([gl, gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0)]);
      gl.flush();
    });
    var firstShown = false;
    function firstFrame(wait) {  // the first frame, lines included, has finished: say so (once)
      if (firstShown) return;
      if (!wait && !fences.every(function (f) { return f[1] && f[0].getSyncParameter(f[1], f[0].SYNC_STATUS) === f[0].SIGNALED; })) return;
      if (wait) drawn();
      firstShown = true;
      fences.forEach(function (f) { if (f[1]) f[0].deleteSync(f[1]); });
      fences = [];
      performance.mark("cg-first-frame");
      view.emit("drawn");
    }
    var SLICE = 10000;
    function settle() {
      if (!early) { view.emit("settled"); return; }
      if (!fences.length) firstFrame(true);
      var full = graph.copy(), edges = doc.edges, at = 0;
      function slice() {
        firstFrame(false);
        for (var end = Math.min(at + SLICE, edges.length); at < end; at++) {
          var e = edges[at];
          if (full.hasNode(e.from) && full.hasNode(e.to)) full.addDirectedEdgeWithKey(e.id, e.from, e.to, edgeAttrs(e));
        }
        if (at < edges.length) { setTimeout(slice, 0); return; }
        firstFrame(true);
        early = false; quiet = true;
        graph = full; window.cgGraph = full;
        sigma.setGraph(full);  // sigma indexes it all (quiet: nothing to draw again)
        quiet = false;
        view.emit("settled");
      }
      slice();
    }
    setTimeout(settle, 0);

    // The legend of map.js shows dashed lines for weak claims: here they are lighter lines.
    var root = container.closest ? container.closest(".cg-view") : null;
    if (root) {
      root.querySelectorAll(".cg-legend .ln-dashed").forEach(function (span) {
        span.classList.remove("ln-dashed");
        span.style.borderTopColor = lighter(span.classList.contains("ln-denied") ? "#c0392b" : EDGE_COLOUR, 0.55);
        if (span.nextSibling) span.nextSibling.textContent += " (lighter line)";
      });
      var note = document.createElement("div");
      note.className = "cg-webgl-note";
      note.textContent = "Large map, drawn with WebGL: weak claims are lighter lines rather than dashed; hover over a line for what it says.";
      var lines = root.querySelector(".cg-legend .ln") ? root.querySelector(".cg-legend .ln").parentNode.parentNode : null;
      if (lines) lines.appendChild(note);
    }

    // One pixel read back from each WebGL layer: returns once the GPU has finished drawing what it
    // was given.
    function drawn() {
      var pixel = new Uint8Array(4);
      Object.keys(sigma.webGLContexts || {}).forEach(function (k) {
        var gl = sigma.webGLContexts[k];
        gl.bindFramebuffer(gl.FRAMEBUFFER, null);
        gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
      });
    }

    function lookChanged(a, b) {
      if (!a || !b) return !!a !== !!b;
      return !!a.hidden !== !!b.hidden || !!a.faded !== !!b.faded || !!a.strong !== !!b.strong || !!a.muted !== !!b.muted;
    }
    function plain(look) {  // the parts of a look this renderer draws (labels are sigma's own)
      return look && (look.hidden || look.faded || look.strong || look.muted)
        ? { hidden: !!look.hidden, faded: !!look.faded, strong: !!look.strong, muted: !!look.muted } : null;
    }
    function refreshItems(nodes, edges, layout) {
      if (!nodes.length && !edges.length) return;
      if (nodes.length + edges.length > 20000) sigma.refresh({ skipIndexation: !layout });
      else sigma.refresh({ partialGraph: { nodes: nodes, edges: edges }, skipIndexation: !layout });
    }
    function viewScale() {  // screen pixels per layout unit
      var a = sigma.graphToViewport({ x: 0, y: 0 }), b = sigma.graphToViewport({ x: 1, y: 0 });
      return Math.abs(b.x - a.x) || 1;
    }

    return {
      name: "sigma",
      ownLabels: true,  // sigma places its labels itself (no overlap at any zoom); map.js need not
      apply: function (next) {
        // While the lines of an early first frame are going into graphology, looks wait: the map's
        // settling applies the looks of that moment (map.js relabels as it settles).
        if (early) return;
        var nodes = [], edges = [], hidden = false;
        Object.keys(next.nodes).forEach(function (id) {
          var look = plain(next.nodes[id]);
          if (lookChanged(nodeLooks[id], look)) {
            if (!!(nodeLooks[id] && nodeLooks[id].hidden) !== !!(look && look.hidden)) hidden = true;
            if (look) nodeLooks[id] = look; else delete nodeLooks[id];
            nodes.push(id);
          }
        });
        Object.keys(next.edges).forEach(function (id) {
          var look = plain(next.edges[id]);
          if (lookChanged(edgeLooks[id], look)) {
            if (look) edgeLooks[id] = look; else delete edgeLooks[id];
            edges.push(id);
          }
        });
        refreshItems(nodes, edges, hidden);
      },
      add: function (newNodes, newEdges) {
        var near = {};
        newEdges.forEach(function (e) {
          if (graph.hasNode(e.from)) near[e.to] = near[e.to] || e.from;
          if (graph.hasNode(e.to)) near[e.from] = near[e.from] || e.to;
        });
        newNodes.forEach(function (n) {
          if (graph.hasNode(n.id)) return;
          var at = null;
          if (n.x === undefined) {  // beside the entity it was expanded from
            var anchor = near[n.id] && graph.getNodeAttributes(near[n.id]), angle = Math.random() * 2 * Math.PI;
            at = anchor ? [anchor.x + 150 * Math.cos(angle), -anchor.y + 150 * Math.sin(angle)] : [Math.random() * 1000, Math.random() * 1000];
          }
          graph.addNode(n.id, nodeAttrs(n, at));
        });
        newEdges.forEach(function (e) {
          if (!graph.hasEdge(e.id) && graph.hasNode(e.from) && graph.hasNode(e.to)) graph.addDirectedEdgeWithKey(e.id, e.from, e.to, edgeAttrs(e));
        });
      },
      focus: function (ids) {
        ids = ids.filter(function (id) { return graph.hasNode(id); });
        if (!ids.length) return;
        var xs = [], ys = [];
        ids.forEach(function (id) { var d = sigma.getNodeDisplayData(id); if (d) { xs.push(d.x); ys.push(d.y); } });
        if (!xs.length) return;
        var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
        var ratio = camera.ratio;
        if (ids.length === 1) ratio = Math.min(ratio, ratio * viewScale());  // about one pixel per layout unit, as vis
        else ratio = Math.max(Math.max(x1 - x0, y1 - y0) * 1.4, 0.01);
        camera.setState({ x: (x0 + x1) / 2, y: (y0 + y1) / 2, ratio: ratio });
        view.emit("zoom");
      },
      fit: function () { camera.setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 }); view.emit("zoom"); },
      select: function (ids) {
        var before = Object.keys(selected);
        selected = {};
        (ids || []).forEach(function (id) { selected[id] = true; });
        refreshItems(before.concat(ids || []).filter(function (id) { return graph.hasNode(id); }), [], false);
      },
      selectEdge: function (id) {
        if (early) { selectedEdge = id; return; }  // drawn once the lines are indexed
        var before = selectedEdge;
        selectedEdge = graph.hasEdge(id) ? id : null;
        refreshItems([], [before, selectedEdge].filter(function (e) { return e && graph.hasEdge(e); }), false);
      },
      positions: function () {
        var out = {};
        graph.forEachNode(function (id, a) { out[id] = [Math.round(a.x * 10) / 10, Math.round(-a.y * 10) / 10]; });
        return out;
      },
      scale: viewScale,
      toDOM: function (xy) { var p = sigma.graphToViewport({ x: xy[0], y: -xy[1] }); return [p.x, p.y]; },
      nodeRadius: function (id) { return graph.hasNode(id) ? graph.getNodeAttribute(id, "size") : 0; },  // as drawn
      canvas: function () {
        // sigma draws on stacked layers; the WebGL ones are read in the task that drew them
        sigma.refresh();
        var layers = sigma.getCanvases(), first = layers.edges || layers.nodes;
        if (!first) return null;
        var out = document.createElement("canvas");
        out.width = first.width; out.height = first.height;
        var ctx = out.getContext("2d");
        ["edges", "edgeLabels", "nodes", "labels", "hovers", "hoverNodes"].forEach(function (k) {
          if (layers[k]) ctx.drawImage(layers[k], 0, 0, out.width, out.height);
        });
        return out;
      },
      connectedEdges: function (id) { return graph.hasNode(id) ? graph.edges(id) : []; },
      drawn: drawn,
      destroy: function () { sigma.kill(); }
    };
  }
  CG.renderers.sigma = sigmaRenderer;
})();
