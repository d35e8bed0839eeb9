/* One-tap copy of a content item's text and poster, for the phone (WeChat's browser included).
   Text: the Clipboard API where the page is a secure context, else a hidden textarea and execCommand.
   Poster: an image on the clipboard where the browser allows it, else the picture full screen to
   long-press (WeChat's "发送给朋友 / 保存图片"). */
(function () {
  "use strict";

  function toast(text) {
    var box = document.createElement("div");
    box.className = "qn-toast-box";
    box.setAttribute("role", "status");
    box.textContent = text;
    document.body.appendChild(box);
    setTimeout(function () { box.remove(); }, 1800);
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "-1000px";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.focus();
    area.select();
    area.setSelectionRange(0, text.length);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; },
        function () { return fallbackCopy(text); });
    }
    return Promise.resolve(fallbackCopy(text));
  }

  function toPng(blob) {
    if (blob.type === "image/png") { return Promise.resolve(blob); }
    return createImageBitmap(blob).then(function (bitmap) {
      var canvas = document.createElement("canvas");
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.getContext("2d").drawImage(bitmap, 0, 0);
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/png"); });
    });
  }

  function copyImage(url) {
    if (!(navigator.clipboard && window.ClipboardItem && window.isSecureContext)) {
      return Promise.resolve(false);
    }
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.blob(); })
      .then(toPng)
      .then(function (png) { return navigator.clipboard.write([new ClipboardItem({ "image/png": png })]); })
      .then(function () { return true; }, function () { return false; });
  }

  function showImage(url) {
    var overlay = document.createElement("div");
    overlay.className = "qn-overlay";
    overlay.innerHTML = '<img alt="海报"><p>长按图片，选择“发送给朋友”或“保存图片”<br>点击空白处关闭</p>';
    overlay.querySelector("img").src = url;
    overlay.addEventListener("click", function (ev) { if (ev.target === overlay) { overlay.remove(); } });
    document.body.appendChild(overlay);
  }

  document.addEventListener("click", function (ev) {
    var textButton = ev.target.closest("[data-copy-text]");
    if (textButton) {
      ev.preventDefault();
      var source = document.getElementById(textButton.getAttribute("data-copy-text"));
      copyText(source.value || source.textContent).then(function (ok) {
        toast(ok ? "已复制，去微信群粘贴" : "复制失败，请长按文字手动复制");
      });
      return;
    }
    var imageButton = ev.target.closest("[data-copy-image]");
    if (imageButton) {
      ev.preventDefault();
      var url = imageButton.getAttribute("data-copy-image");
      copyImage(url).then(function (ok) {
        if (ok) { toast("海报已复制，去微信群粘贴"); } else { showImage(url); }
      });
    }
  });

  document.addEventListener("change", function (ev) {
    var input = ev.target;
    if (!input.matches || !input.matches(".qn-confirm input[type=file]")) { return; }
    var label = input.closest(".qn-shot");
    var form = input.closest("form");
    var name = form && form.querySelector(".qn-file-name");
    var file = input.files && input.files[0];
    if (label) { label.classList.toggle("has-file", !!file); }
    if (name) { name.textContent = file ? "截图：" + file.name : ""; }
  });
})();
