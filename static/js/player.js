// The review player: one module for every page where a take plays (shot page, take review,
// dailies room). Frame-accurate stepping, J/K/L shuttle, loop in/out, speed, SMPTE timecode,
// fullscreen, compare modes (first-frame reference, another take, last frame vs last-frame
// reference; side by side or wipe), and a drawing overlay for notes.
//
// window.LotixPlayer.all() → players on the page; .current() → the active one or null.
// A player: .take (uuid), .fps, .frames, .frame(), .seek(frame), .play(), .pause(),
// .playing(), .on(name, fn) with names "frame", "play", "pause", "seek"; fn(detail, player)
// where detail is {frame: <0-based frame>} (plus {rate} for "play"; negative when J runs
// backwards). Also .root (the [data-player] section) and .video. LotixPlayer.get(uuid) finds
// the player of a take.
(function () {
  "use strict";

  var EPSILON = 1e-4;  // currentTime * fps can land a hair under a whole number
  var players = [];
  var active = null;

  function clamp(value, low, high) { return Math.min(Math.max(value, low), high); }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function timecode(frame, fps) {
    // Non-drop-frame SMPTE at the nearest whole rate (23.976 counts as 24 frames a second).
    var base = Math.max(Math.round(fps), 1);
    var ff = frame % base;
    var seconds = Math.floor(frame / base);
    return pad(Math.floor(seconds / 3600)) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" +
      pad(seconds % 60) + ":" + pad(ff);
  }

  // Fields that use the keys themselves; a checkbox or a button only uses Space (see below).
  function isTyping(target) {
    if (!target || !target.closest) return false;
    if (target.isContentEditable || target.closest("textarea, select")) return true;
    var input = target.closest("input");
    return Boolean(input && !/^(checkbox|radio|button|submit|reset)$/.test(input.type));
  }

  function Player(root) {
    this.root = root;
    this.take = root.getAttribute("data-take");
    this.fps = parseFloat(root.getAttribute("data-fps")) || 24;
    this.frames = Math.max(parseInt(root.getAttribute("data-frames"), 10) || 1, 1);
    this.video = root.querySelector("[data-player-video]");
    this.stage = root.querySelector("[data-player-stage]");
    this.canvas = root.querySelector("[data-player-canvas]");
    this.handlers = {};
    this.loopIn = null;
    this.loopOut = null;
    this.reverseTimer = null;
    this.reverseRate = 1;
    this.lastFrame = -1;
    this.loopTimer = null;
    this.compare = "off";
    this.other = null;         // the compared take's <video>, only in "take" mode
    this.drawing = false;
    this.tool = "pen";
    this.color = "#ff4d4d";
    this.pending = {};         // unsaved strokes keyed by frame
    this.stroke = null;        // the stroke under the pointer
    this.notesText = null;
    this.notes = [];
    this.setup();
  }

  Player.prototype.on = function (name, fn) {
    (this.handlers[name] = this.handlers[name] || []).push(fn);
    return this;
  };

  Player.prototype.emit = function (name, detail) {
    var self = this;
    (this.handlers[name] || []).forEach(function (fn) {
      try { fn(detail, self); } catch (error) { window.setTimeout(function () { throw error; }); }
    });
    this.root.dispatchEvent(new CustomEvent("lotix:player-" + name, {detail: detail, bubbles: true}));
  };

  Player.prototype.frame = function () {
    return clamp(Math.floor(this.video.currentTime * this.fps + EPSILON), 0, this.frames - 1);
  };

  Player.prototype.playing = function () {
    return !this.video.paused || this.reverseTimer !== null;
  };

  Player.prototype.seek = function (frame) {
    frame = clamp(Math.round(frame), 0, this.frames - 1);
    // Mid-frame, so every browser lands on the intended frame rather than the one before.
    this.video.currentTime = (frame + 0.5) / this.fps;
    this.syncOther(true);
    this.update();
    this.emit("seek", {frame: frame});
    return frame;
  };

  Player.prototype.step = function (delta) {
    this.pause();
    this.seek(this.frame() + delta);
  };

  Player.prototype.play = function (rate) {
    this.stopReverse();
    activate(this);
    if (rate) this.setRate(rate);
    if (this.loopActive()) {
      var frame = this.frame();
      if (frame < this.loopStart() || frame >= this.loopEnd()) this.seek(this.loopStart());
    } else if (this.frame() >= this.frames - 1) {
      this.seek(0);
    }
    var promise = this.video.play();
    if (promise && promise.catch) promise.catch(function () {});
    return promise;
  };

  Player.prototype.pause = function () {
    var wasReversing = this.reverseTimer !== null;
    this.stopReverse();
    if (!this.video.paused) this.video.pause();
    else if (wasReversing) this.emit("pause", {frame: this.frame()});
    this.update();
  };

  Player.prototype.toggle = function () {
    if (this.playing()) this.pause(); else this.play();
  };

  Player.prototype.setRate = function (rate) {
    this.video.playbackRate = rate;
    if (this.other) this.other.playbackRate = rate;
    var select = this.root.querySelector("[data-player-speed]");
    if (select) {
      var match = Array.prototype.some.call(select.options, function (o) {
        return parseFloat(o.value) === rate;
      });
      if (match) select.value = String(rate);
    }
  };

  // --- J/K/L shuttle ---------------------------------------------------------------------
  Player.prototype.shuttleForward = function () {
    if (!this.video.paused && this.reverseTimer === null) {
      this.setRate(2);
    } else {
      this.play(1);
    }
  };

  Player.prototype.shuttleReverse = function () {
    // Browsers do not play video backwards, so reverse is stepping back on a timer.
    var rate = this.reverseTimer !== null ? 2 : 1;
    this.stopReverse();
    if (!this.video.paused) this.video.pause();
    var self = this;
    this.reverseRate = rate;
    this.reverseTimer = window.setInterval(function () {
      var frame = self.frame();
      var start = self.loopActive() ? self.loopStart() : 0;
      if (frame <= start) {
        if (self.loopActive()) { self.seek(self.loopEnd()); return; }
        self.pause();
        return;
      }
      self.seek(frame - 1);
    }, 1000 / (this.fps * rate));
    this.emit("play", {frame: this.frame(), rate: -rate});
    this.renderPlayState();
  };

  Player.prototype.stopReverse = function () {
    if (this.reverseTimer === null) return;
    window.clearInterval(this.reverseTimer);
    this.reverseTimer = null;
    this.renderPlayState();
  };

  // --- loop ------------------------------------------------------------------------------
  Player.prototype.loopActive = function () { return this.loopIn !== null || this.loopOut !== null; };
  Player.prototype.loopStart = function () { return this.loopIn === null ? 0 : this.loopIn; };
  Player.prototype.loopEnd = function () {
    return this.loopOut === null ? this.frames - 1 : this.loopOut;
  };

  Player.prototype.setLoopIn = function () {
    this.loopIn = this.frame();
    if (this.loopOut !== null && this.loopOut < this.loopIn) this.loopOut = null;
    this.renderLoop();
  };

  Player.prototype.setLoopOut = function () {
    this.loopOut = this.frame();
    if (this.loopIn !== null && this.loopIn > this.loopOut) this.loopIn = null;
    this.renderLoop();
  };

  Player.prototype.clearLoop = function () {
    this.loopIn = this.loopOut = null;
    this.renderLoop();
  };

  Player.prototype.renderLoop = function () {
    var out = this.root.querySelector("[data-player-loop]");
    if (!out) return;
    out.textContent = this.loopActive() ? this.loopStart() + "–" + this.loopEnd() : "off";
  };

  // --- the frame counter and everything that follows the frame ------------------------------
  Player.prototype.update = function () {
    var frame = this.frame();
    if (!this.video.paused && this.loopActive() && frame >= this.loopEnd()) {
      if (frame > this.loopEnd()) {
        // Past the out point (a dropped frame): back to the in point before anyone sees it.
        this.seek(this.loopStart());
        return;
      }
      this.scheduleLoopBack();
    }
    var counter = this.root.querySelector("[data-player-frame]");
    var code = this.root.querySelector("[data-player-timecode]");
    var scrub = this.root.querySelector("[data-player-scrub]");
    if (counter) counter.textContent = String(frame);
    if (code) code.textContent = timecode(frame, this.fps);
    if (scrub && document.activeElement !== scrub) scrub.value = String(frame);
    if (frame !== this.lastFrame) {
      this.lastFrame = frame;
      this.redraw();
      this.emit("frame", {frame: frame});
    }
  };

  // The out frame stays on screen for its own duration, then playback jumps to the in point.
  Player.prototype.scheduleLoopBack = function () {
    if (this.loopTimer) return;
    var self = this;
    this.loopTimer = window.setTimeout(function () {
      self.loopTimer = null;
      if (!self.video.paused && self.loopActive() && self.frame() >= self.loopEnd()) {
        self.seek(self.loopStart());
      }
    }, 1000 / (this.fps * (this.video.playbackRate || 1)));
  };

  Player.prototype.watchFrames = function () {
    var self = this;
    var video = this.video;
    if (typeof video.requestVideoFrameCallback === "function") {
      var onFrame = function () {
        self.update();
        self.syncOther(false);
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    } else {
      var tick = function () {
        if (!video.paused) { self.update(); self.syncOther(false); }
        window.requestAnimationFrame(tick);
      };
      window.requestAnimationFrame(tick);
    }
  };

  Player.prototype.renderPlayState = function () {
    var button = this.root.querySelector("[data-player-play]");
    if (!button) return;
    var on = this.playing();
    button.textContent = on ? "Pause" : "Play";
    button.setAttribute("aria-label", on ? "Pause" : "Play");
  };

  // --- compare ---------------------------------------------------------------------------
  Player.prototype.setCompare = function (mode) {
    var select = this.root.querySelector("[data-player-compare]");
    var option = select ? select.querySelector('option[value="' + mode + '"]') : null;
    if (!option || option.disabled) mode = "off";
    if (select) select.value = mode;
    this.compare = mode;
    this.stage.setAttribute("data-compare", mode);
    var paneB = this.root.querySelector("[data-player-pane-b]");
    var image = this.root.querySelector("[data-player-compare-image]");
    var labelB = this.root.querySelector("[data-player-b-label]");
    var labelA = this.root.querySelector("[data-player-a-label]");
    var last = this.root.querySelector("[data-player-last-image]");
    var takeField = this.root.querySelector("[data-player-compare-take-field]");
    if (this.other) { this.other.remove(); this.other = null; }
    paneB.hidden = mode === "off";
    labelA.hidden = mode === "off";
    takeField.hidden = mode !== "take";
    image.hidden = !(mode === "first" || mode === "last");
    if (last) {
      last.hidden = mode !== "last";
      if (mode === "last" && !last.getAttribute("src")) last.src = last.getAttribute("data-src");
    }
    this.video.style.visibility = mode === "last" ? "hidden" : "";
    labelA.textContent = (mode === "last" ? "Last frame of " : "") + this.root.getAttribute("data-take-label");
    if (mode === "first" || mode === "last") {
      image.src = option.getAttribute("data-src");
      image.alt = option.getAttribute("data-name");
      labelB.textContent = option.getAttribute("data-name");
      if (mode === "first") this.pause();
      if (mode === "first") this.seek(0);
    } else if (mode === "take") {
      this.attachOther();
    }
    this.renderWipe();
  };

  Player.prototype.attachOther = function () {
    var choice = this.root.querySelector("[data-player-compare-take]");
    var option = choice.options[choice.selectedIndex];
    var paneB = this.root.querySelector("[data-player-pane-b]");
    var other = document.createElement("video");
    other.muted = true;
    other.playsInline = true;
    other.preload = "auto";
    other.setAttribute("data-player-other-video", option.value);
    other.src = option.getAttribute("data-src");
    other.playbackRate = this.video.playbackRate;
    this.otherFps = parseFloat(option.getAttribute("data-fps")) || this.fps;
    paneB.insertBefore(other, paneB.firstChild);
    this.root.querySelector("[data-player-b-label]").textContent = option.getAttribute("data-name");
    this.other = other;
    var self = this;
    other.addEventListener("loadedmetadata", function () { self.syncOther(true); });
    if (!this.video.paused) other.play().catch(function () {});
  };

  // The compared take follows the player: the same moment, play state and rate.
  Player.prototype.syncOther = function (hard) {
    var other = this.other;
    if (!other || other.readyState < 1) return;
    var target = Math.min(this.video.currentTime, Math.max(other.duration - 0.5 / this.otherFps, 0));
    if (hard || Math.abs(other.currentTime - target) > 1.5 / this.otherFps) other.currentTime = target;
    if (other.playbackRate !== this.video.playbackRate) other.playbackRate = this.video.playbackRate;
    if (this.video.paused && !other.paused) other.pause();
    if (!this.video.paused && other.paused && target < other.duration) other.play().catch(function () {});
  };

  Player.prototype.setLayout = function (layout) {
    this.stage.setAttribute("data-layout", layout === "wipe" ? "wipe" : "side");
    var select = this.root.querySelector("[data-player-layout]");
    if (select) select.value = layout;
    this.renderWipe();
  };

  Player.prototype.setWipe = function (percent) {
    percent = clamp(percent, 0, 100);
    this.stage.style.setProperty("--wipe", percent + "%");
    var range = this.root.querySelector("[data-player-wipe]");
    if (range) range.value = String(Math.round(percent));
  };

  Player.prototype.renderWipe = function () {
    var wipe = this.compare !== "off" && this.stage.getAttribute("data-layout") === "wipe";
    this.root.querySelector("[data-player-divider]").hidden = !wipe;
    this.root.querySelector("[data-player-wipe-field]").hidden = !wipe;
    this.fitCanvas();
  };

  // --- drawing ---------------------------------------------------------------------------
  Player.prototype.setDrawing = function (on) {
    this.drawing = on;
    this.stage.classList.toggle("drawing", on);
    var button = this.root.querySelector('[data-player-action="draw"]');
    if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
    if (on) this.pause();
    this.fitCanvas();
  };

  Player.prototype.fitCanvas = function () {
    var box = this.video.getBoundingClientRect();
    var ratio = window.devicePixelRatio || 1;
    var width = Math.max(Math.round(box.width * ratio), 1);
    var height = Math.max(Math.round(box.height * ratio), 1);
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    this.redraw();
  };

  Player.prototype.readNotes = function () {
    var element = document.getElementById("notes-data-" + this.take);
    var text = element ? element.textContent : "";
    if (text !== this.notesText) {
      this.notesText = text;
      try { this.notes = text ? JSON.parse(text) : []; } catch (error) { this.notes = []; }
      if (!Array.isArray(this.notes)) this.notes = [];
    }
    return this.notes;
  };

  Player.prototype.strokesAt = function (frame) {
    var key = String(frame);
    var strokes = [];
    this.readNotes().forEach(function (note) {
      var annotation = note && note.annotation;
      if (annotation && Array.isArray(annotation[key])) strokes = strokes.concat(annotation[key]);
    });
    return strokes.concat(this.pending[key] || []);
  };

  Player.prototype.redraw = function () {
    var canvas = this.canvas;
    var context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, canvas.height);
    var strokes = this.strokesAt(this.frame());
    if (this.stroke) strokes = strokes.concat([this.stroke]);
    strokes.forEach(function (stroke) { paint(context, stroke, canvas.width, canvas.height); });
    var status = this.root.querySelector("[data-player-draw-status]");
    if (status) status.textContent = "Unsaved strokes: " + this.pendingCount();
  };

  Player.prototype.pendingCount = function () {
    var pending = this.pending;
    return Object.keys(pending).reduce(function (sum, key) { return sum + pending[key].length; }, 0);
  };

  function paint(context, stroke, width, height) {
    var points = (stroke && stroke.points) || [];
    if (!points.length) return;
    var line = Math.max((parseFloat(stroke.width) || 0.004) * width, 2);
    context.save();
    context.strokeStyle = stroke.color || "#ff4d4d";
    context.fillStyle = stroke.color || "#ff4d4d";
    context.lineWidth = line;
    context.lineCap = "round";
    context.lineJoin = "round";
    var x = function (p) { return p[0] * width; };
    var y = function (p) { return p[1] * height; };
    context.beginPath();
    if (stroke.tool === "rect" && points.length >= 2) {
      context.strokeRect(x(points[0]), y(points[0]), x(points[1]) - x(points[0]),
                         y(points[1]) - y(points[0]));
    } else if (stroke.tool === "arrow" && points.length >= 2) {
      var x0 = x(points[0]), y0 = y(points[0]), x1 = x(points[1]), y1 = y(points[1]);
      var angle = Math.atan2(y1 - y0, x1 - x0);
      var head = Math.max(line * 4, 10);
      context.moveTo(x0, y0);
      context.lineTo(x1, y1);
      context.stroke();
      context.beginPath();
      context.moveTo(x1, y1);
      context.lineTo(x1 - head * Math.cos(angle - Math.PI / 6), y1 - head * Math.sin(angle - Math.PI / 6));
      context.lineTo(x1 - head * Math.cos(angle + Math.PI / 6), y1 - head * Math.sin(angle + Math.PI / 6));
      context.closePath();
      context.fill();
    } else {
      context.moveTo(x(points[0]), y(points[0]));
      points.slice(1).forEach(function (p) { context.lineTo(x(p), y(p)); });
      if (points.length === 1) context.lineTo(x(points[0]) + 0.01, y(points[0]));
      context.stroke();
    }
    context.restore();
  }

  Player.prototype.planePoint = function (event) {
    var box = this.canvas.getBoundingClientRect();
    var round = function (v) { return Math.round(clamp(v, 0, 1) * 10000) / 10000; };
    return [round((event.clientX - box.left) / box.width), round((event.clientY - box.top) / box.height)];
  };

  Player.prototype.setupDrawing = function () {
    var self = this;
    var canvas = this.canvas;
    canvas.addEventListener("pointerdown", function (event) {
      if (!self.drawing) return;
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      var point = self.planePoint(event);
      self.stroke = {tool: self.tool, color: self.color, width: 0.004,
                     points: self.tool === "pen" ? [point] : [point, point]};
      self.redraw();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!self.stroke) return;
      var point = self.planePoint(event);
      if (self.stroke.tool === "pen") {
        var last = self.stroke.points[self.stroke.points.length - 1];
        if (Math.abs(last[0] - point[0]) + Math.abs(last[1] - point[1]) < 0.002) return;
        self.stroke.points.push(point);
      } else {
        self.stroke.points[1] = point;
      }
      self.redraw();
    });
    var finish = function () {
      if (!self.stroke) return;
      var stroke = self.stroke;
      self.stroke = null;
      var key = String(self.frame());
      (self.pending[key] = self.pending[key] || []).push(stroke);
      self.redraw();
    };
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
  };

  Player.prototype.undoStroke = function () {
    var key = String(this.frame());
    if (this.pending[key] && this.pending[key].length) {
      this.pending[key].pop();
      if (!this.pending[key].length) delete this.pending[key];
    }
    this.redraw();
  };

  Player.prototype.clearDrawing = function () {
    this.pending = {};
    this.stroke = null;
    this.redraw();
  };

  // Once a note is saved, the strokes it carried are no longer "unsaved"; strokes drawn while
  // the request was on its way stay.
  Player.prototype.forgetStrokes = function (sent) {
    var pending = this.pending;
    Object.keys(pending).forEach(function (key) {
      pending[key] = pending[key].filter(function (stroke) { return sent.indexOf(stroke) === -1; });
      if (!pending[key].length) delete pending[key];
    });
    this.redraw();
  };

  // The note form of this take: frame or loop range and the strokes drawn since the last note.
  Player.prototype.fillNoteForm = function (form) {
    var pending = this.pending;
    this.sent = Object.keys(pending).reduce(function (all, key) { return all.concat(pending[key]); }, []);
    var values = {
      frame_in: String(this.loopActive() ? this.loopStart() : this.frame()),
      frame_out: this.loopActive() ? String(this.loopEnd()) : "",
      annotation: this.pendingCount() ? JSON.stringify(this.pending) : "",
    };
    Object.keys(values).forEach(function (name) {
      var input = form.querySelector('input[name="' + name + '"]');
      if (!input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        form.appendChild(input);
      }
      input.value = values[name];
    });
  };

  // --- filmstrip -------------------------------------------------------------------------
  Player.prototype.setupFilmstrip = function () {
    var strip = this.root.querySelector(".filmstrip");
    if (!strip) return;
    var self = this;
    var tiles = parseInt(strip.getAttribute("data-tiles"), 10);
    var width = parseInt(strip.getAttribute("data-tile-width"), 10);
    var show = function (index) {
      index = clamp(index, 0, tiles - 1);
      strip.style.backgroundPosition = (-index * width) + "px 0px";
      strip.setAttribute("aria-valuenow", String(index + 1));
      return index;
    };
    var at = function (clientX) {
      var box = strip.getBoundingClientRect();
      return Math.floor((clientX - box.left) / box.width * tiles);
    };
    var seekTile = function (index) {
      self.pause();
      self.seek(tiles > 1 ? Math.round(index * (self.frames - 1) / (tiles - 1)) : 0);
    };
    strip.addEventListener("mousemove", function (event) { show(at(event.clientX)); });
    strip.addEventListener("click", function (event) { seekTile(show(at(event.clientX))); });
    strip.addEventListener("keydown", function (event) {
      var now = parseInt(strip.getAttribute("aria-valuenow"), 10) - 1;
      if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        event.preventDefault();
        show(now + (event.key === "ArrowRight" ? 1 : -1));
      } else if (event.key === "Enter") {
        event.preventDefault();
        seekTile(now);
        self.play();
      }
    });
  };

  // --- wiring ----------------------------------------------------------------------------
  Player.prototype.action = function (name) {
    switch (name) {
      case "back": this.step(-1); break;
      case "forward": this.step(1); break;
      case "back10": this.step(-10); break;
      case "forward10": this.step(10); break;
      case "toggle": this.toggle(); break;
      case "loop-in": this.setLoopIn(); break;
      case "loop-out": this.setLoopOut(); break;
      case "loop-clear": this.clearLoop(); break;
      case "fullscreen": this.fullscreen(); break;
      case "draw": this.setDrawing(!this.drawing); break;
      case "undo": this.undoStroke(); break;
      case "clear-drawing": this.clearDrawing(); break;
    }
  };

  Player.prototype.fullscreen = function () {
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (this.root.requestFullscreen) {
      var promise = this.root.requestFullscreen();
      if (promise && promise.catch) promise.catch(function () {});
    }
  };

  Player.prototype.setup = function () {
    var self = this;
    var root = this.root;
    var video = this.video;
    ["timeupdate", "seeked", "loadeddata"].forEach(function (name) {
      video.addEventListener(name, function () { self.update(); });
    });
    video.addEventListener("play", function () {
      self.syncOther(true);
      self.renderPlayState();
      self.emit("play", {frame: self.frame(), rate: video.playbackRate});
    });
    video.addEventListener("pause", function () {
      self.syncOther(true);
      self.renderPlayState();
      self.emit("pause", {frame: self.frame()});
    });
    video.addEventListener("ratechange", function () { self.syncOther(false); });
    video.addEventListener("ended", function () {
      if (self.loopActive()) self.play();
    });
    this.watchFrames();

    root.addEventListener("click", function (event) {
      var button = event.target.closest("[data-player-action]");
      if (button && root.contains(button)) self.action(button.getAttribute("data-player-action"));
      var tool = event.target.closest("[data-player-tool]");
      if (tool) {
        self.tool = tool.getAttribute("data-player-tool");
        root.querySelectorAll("[data-player-tool]").forEach(function (b) {
          b.setAttribute("aria-pressed", b === tool ? "true" : "false");
        });
        if (!self.drawing) self.setDrawing(true);
      }
      var swatch = event.target.closest("[data-player-color]");
      if (swatch) {
        self.color = swatch.getAttribute("data-player-color");
        root.querySelectorAll("[data-player-color]").forEach(function (b) {
          b.setAttribute("aria-pressed", b === swatch ? "true" : "false");
        });
      }
    });
    root.addEventListener("focusin", function () { activate(self); });
    root.addEventListener("pointerdown", function () { activate(self); });

    var on = function (selector, name, fn) {
      var element = root.querySelector(selector);
      if (element) element.addEventListener(name, function () { fn(element); });
    };
    on("[data-player-speed]", "change", function (s) { self.setRate(parseFloat(s.value) || 1); });
    on("[data-player-scrub]", "input", function (s) { self.pause(); self.seek(parseInt(s.value, 10)); });
    on("[data-player-compare]", "change", function (s) { self.setCompare(s.value); });
    on("[data-player-compare-take]", "change", function () { self.setCompare("take"); });
    on("[data-player-layout]", "change", function (s) { self.setLayout(s.value); });
    on("[data-player-wipe]", "input", function (s) { self.setWipe(parseFloat(s.value)); });

    // Dragging on the stage in wipe view moves the divider (unless drawing).
    var dragging = false;
    var wipeFrom = function (event) {
      var box = self.stage.getBoundingClientRect();
      self.setWipe((event.clientX - box.left) / box.width * 100);
    };
    this.stage.addEventListener("pointerdown", function (event) {
      if (self.drawing || self.stage.getAttribute("data-layout") !== "wipe" || self.compare === "off") return;
      dragging = true;
      self.stage.setPointerCapture(event.pointerId);
      wipeFrom(event);
    });
    this.stage.addEventListener("pointermove", function (event) { if (dragging) wipeFrom(event); });
    this.stage.addEventListener("pointerup", function () { dragging = false; });
    this.stage.addEventListener("pointercancel", function () { dragging = false; });

    this.setupDrawing();
    this.setupFilmstrip();
    if (window.ResizeObserver) {
      new ResizeObserver(function () { self.fitCanvas(); }).observe(video);
    }
    this.fitCanvas();
    this.update();
    this.renderLoop();
  };

  // --- page-level: registry, keyboard, notes, seek links --------------------------------------
  function connected() {
    players = players.filter(function (p) { return document.body.contains(p.root); });
    return players;
  }

  function activate(player) { active = player; }

  function current() {
    var list = connected();
    if (active && list.indexOf(active) !== -1) return active;
    return list[0] || null;
  }

  function byTake(take) {
    return connected().filter(function (p) { return p.take === take; })[0] || null;
  }

  function init(scope) {
    var roots = [];
    if (scope && scope.matches && scope.matches("[data-player]")) roots.push(scope);
    if (scope && scope.querySelectorAll) {
      roots = roots.concat(Array.prototype.slice.call(scope.querySelectorAll("[data-player]")));
    }
    roots.forEach(function (root) {
      if (root.lotixPlayer) return;  // htmx swaps and hx-preserve bring the same root back
      root.lotixPlayer = new Player(root);
      players.push(root.lotixPlayer);
    });
  }

  var KEYS = {
    ArrowLeft: function (p, e) { p.step(e.shiftKey ? -10 : -1); },
    ArrowRight: function (p, e) { p.step(e.shiftKey ? 10 : 1); },
    " ": function (p) { p.toggle(); },
    j: function (p) { p.shuttleReverse(); },
    k: function (p) { p.pause(); },
    l: function (p) { p.shuttleForward(); },
    i: function (p) { p.setLoopIn(); },
    o: function (p) { p.setLoopOut(); },
    Escape: function (p) {
      if (p.stroke) { p.stroke = null; p.redraw(); return; }
      p.clearLoop();
    },
    f: function (p) { p.fullscreen(); },
    d: function (p) { p.setDrawing(!p.drawing); },
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (isTyping(target)) return;
    if (target.closest && target.closest(".filmstrip")) return;  // the strip scrubs its own way
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key === " " && target.closest && target.closest("button, a, summary, input")) return;
    var handler = KEYS[key];
    if (!handler) return;
    var inside = target.closest && target.closest("[data-player]");
    var player = inside && inside.lotixPlayer ? inside.lotixPlayer : current();
    if (!player) return;
    event.preventDefault();
    activate(player);
    handler(player, event);
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-seek-frame]");
    if (!link) return;
    var player = byTake(link.getAttribute("data-take")) ||
      (link.getAttribute("data-take") ? null : current());
    if (!player) return;
    event.preventDefault();
    activate(player);
    player.pause();
    player.seek(parseInt(link.getAttribute("data-seek-frame"), 10) || 0);
  });

  // Capture phase: the values are in place before htmx (on the form itself) reads them.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-note-form][data-take]")) return;
    var player = byTake(form.getAttribute("data-take"));
    if (player) player.fillNoteForm(form);
  }, true);

  // htmx swaps the notes panel, form included, before htmx:afterRequest; the event then comes
  // from a surviving ancestor with that ancestor as detail.elt, so the request is told apart
  // by its XMLHttpRequest, noted when the form's request starts.
  var noteRequests = new WeakMap();
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-note-form][data-take]")) return;
    var player = byTake(form.getAttribute("data-take"));
    if (player && event.detail.xhr) noteRequests.set(event.detail.xhr, {player: player, sent: player.sent || []});
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var request = xhr && noteRequests.get(xhr);
    if (!request) return;
    noteRequests.delete(xhr);
    if (xhr.status >= 200 && xhr.status < 300) request.player.forgetStrokes(request.sent);
  });

  // A swapped notes list may carry new drawings for the frame on screen.
  document.addEventListener("htmx:afterSettle", function () {
    connected().forEach(function (p) { p.redraw(); });
  });
  document.addEventListener("fullscreenchange", function () {
    connected().forEach(function (p) { p.fitCanvas(); });
  });

  window.LotixPlayer = {
    all: function () { return connected().slice(); },
    current: current,
    get: byTake,
    timecode: timecode,
  };

  if (window.htmx && window.htmx.onLoad) window.htmx.onLoad(init);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
