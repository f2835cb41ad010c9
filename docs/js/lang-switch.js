// A link between the English and the Chinese build of the book, in the menu
// bar: the English book is built into book/, the Chinese one into book/zh/,
// from the same pages (docs/po/zh.po holds the translation).
(function () {
    var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
    var page = window.location.pathname.split("/").pop() || "index.html";
    var link = document.createElement("a");
    link.className = "lang-switch";
    link.href = (typeof path_to_root === "string" ? path_to_root : "") +
        (zh ? "../" : "zh/") + page;
    link.textContent = zh ? "English" : "中文";
    link.title = zh ? "Read this page in English" : "阅读本页的中文版";
    link.style.marginInline = "0.8em";
    link.style.alignSelf = "center";
    var bar = document.querySelector(".right-buttons") ||
        document.querySelector("#menu-bar");
    if (bar) {
        bar.insertBefore(link, bar.firstChild);
    }
})();
