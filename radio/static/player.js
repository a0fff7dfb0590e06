// One player for the whole page: a cheap phone keeps one audio element, not thirty.
(function () {
  var player = document.getElementById("player");
  if (!player) return;
  var playing = null;
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.play");
    if (!link) return;
    event.preventDefault();
    if (playing === link && !player.paused) {
      player.pause();
      return;
    }
    if (playing) playing.classList.remove("playing");
    playing = link;
    link.classList.add("playing");
    player.hidden = false;
    player.src = link.href;
    player.title = link.dataset.title;
    player.play();
  });
  player.addEventListener("ended", function () {
    if (playing) playing.classList.remove("playing");
  });
})();
