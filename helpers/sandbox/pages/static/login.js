// Sign-in for the sandbox's pages. A link carries its token in the fragment (#token=…&next=…),
// which browsers never send to a server: move it into the form, drop it from the address bar
// and history, and post it. (Also when only the fragment changes, on the login page itself.)
(function () {
  "use strict";
  function signIn() {
    const form = document.getElementById("login");
    const given = new URLSearchParams(window.location.hash.slice(1));
    if (!form || !given.get("token")) {
      return;
    }
    history.replaceState(null, "", window.location.pathname + window.location.search);
    form.elements.token.value = given.get("token");
    form.elements.next.value = given.get("next") || "";
    form.submit();
  }
  window.addEventListener("hashchange", signIn);
  signIn();
})();
