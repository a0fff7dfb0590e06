// Record from the microphone into the upload form's file field (MediaRecorder), so a
// recording goes through exactly the same upload pipeline as a file.
(function () {
  "use strict";
  var box = document.querySelector(".recorder");
  var form = document.getElementById("upload-form");
  if (!box || !form) return;
  form.addEventListener("submit", function () {
    form.querySelector(".busy").hidden = false;
  });
  if (!window.MediaRecorder || !navigator.mediaDevices || !window.DataTransfer) return;
  box.hidden = false;
  var start = box.querySelector(".record-start");
  var stop = box.querySelector(".record-stop");
  var status = box.querySelector(".record-status");
  var preview = box.querySelector(".record-preview");
  var fileInput = form.querySelector("input[type=file]");
  var source = form.querySelector("input[name=source]");
  var recorder, chunks, timer, seconds;

  start.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.ondataavailable = function (e) { if (e.data.size) chunks.push(e.data); };
      recorder.onstop = function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        clearInterval(timer);
        var type = recorder.mimeType || "audio/webm";
        var ext = type.indexOf("ogg") >= 0 ? "ogg" : type.indexOf("mp4") >= 0 ? "m4a" : "webm";
        var file = new File(chunks, "ghi-am." + ext, { type: type });
        var list = new DataTransfer();
        list.items.add(file);
        fileInput.files = list.files;
        source.value = "recording";
        preview.src = URL.createObjectURL(file);
        preview.hidden = false;
        status.textContent = "";
        start.hidden = false;
        stop.hidden = true;
      };
      recorder.start(1000);
      seconds = 0;
      status.textContent = box.dataset.recording.replace("{s}", "0");
      timer = setInterval(function () {
        seconds += 1;
        status.textContent = box.dataset.recording.replace("{s}", String(seconds));
      }, 1000);
      start.hidden = true;
      stop.hidden = false;
    }).catch(function () {
      status.textContent = box.dataset.error;
    });
  });
  stop.addEventListener("click", function () { recorder.stop(); });
})();
