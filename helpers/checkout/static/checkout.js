// client.js of the guide: fetch the client secret from your server, then let Stripe.js
// confirm the SetupIntent and redirect the customer to Amazon Pay. Every URL is relative,
// so the page also works behind jupyter-server-proxy (…/proxy/<port>/).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("checkout-config").textContent);
  var button = document.getElementById("setup");
  var message = document.getElementById("error");
  if (!button) return; // the SetupIntent is already decided: nothing to set up

  function show(text) {
    message.textContent = text || "";
    message.hidden = !text;
  }

  button.addEventListener("click", async function () {
    button.disabled = true;
    show("");
    try {
      var stripe = Stripe(config.publishableKey);
      var response = await fetch("secret");
      var body = await response.json();
      if (!response.ok) throw new Error(body.error ? body.error.message : "GET secret failed");
      // Redirects away from the client; resolves only on an error.
      var result = await stripe.confirmAmazonPaySetup(body.client_secret, {
        return_url: new URL("complete", window.location.href).href,
        mandate_data: { customer_acceptance: { type: "online", online: { infer_from_client: true } } },
      });
      if (result.error) show(result.error.message);
    } catch (err) {
      show(err && err.message ? err.message : String(err));
    }
    button.disabled = false;
  });
})();
