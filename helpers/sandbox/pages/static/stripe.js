/*
 * Stand-in for Stripe.js v3, served by the offline sandbox at /js/stripe.js.
 *
 * Only the slice the Amazon Pay guide uses: Stripe(publishableKey) with
 * confirmAmazonPaySetup(clientSecret, data) and retrieveSetupIntent(clientSecret),
 * with the signatures and result shapes of @stripe/stripe-js. Requests go to the
 * server this script was loaded from, authenticated like Stripe.js does it: the
 * publishable key travels as `key` in the query (GET) or the form body (POST), never in
 * an Authorization header (no custom headers, so the browser sends no CORS preflight).
 */
(function () {
  "use strict";

  // The API lives where this script came from, minus /js/stripe.js (or /v3/): that keeps a
  // path prefix such as JupyterHub's /user/<name>/proxy/<port>/.
  var script = document.currentScript;
  var API_BASE = window.location.origin;
  if (script && script.src) {
    var src = new URL(script.src);
    API_BASE = src.origin + src.pathname.replace(/\/(js\/stripe\.js|v3\/?)$/, "");
  }

  function integrationError(message) {
    var error = new Error(message);
    error.name = "IntegrationError";
    return error;
  }

  // Form-encode nested data in Stripe's bracket notation: a[b][c]=v, list[0]=v.
  function encode(value, prefix, out) {
    if (value === undefined || value === null) return out;
    if (typeof value === "object") {
      Object.keys(value).forEach(function (key) {
        encode(value[key], prefix ? prefix + "[" + key + "]" : key, out);
      });
    } else {
      out.append(prefix, String(value));
    }
    return out;
  }

  // "seti_123_secret_456" -> "seti_123"; throws like Stripe.js on anything else.
  function setupIntentId(clientSecret, method) {
    var match = typeof clientSecret === "string" && /^(seti_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/.exec(clientSecret);
    if (!match) {
      throw integrationError(
        "Invalid value for " + method + " intentSecret: value should be a SetupIntent " +
        "client_secret string (seti_…_secret_…). You specified: " + JSON.stringify(clientSecret) + "."
      );
    }
    return match[1];
  }

  // One API call; resolves {body} on 2xx, {error} (StripeError-shaped) otherwise.
  function request(method, path, params) {
    var query = encode(params, "", new URLSearchParams());
    var url = API_BASE + path;
    var init = { method: method };
    if (method === "GET") url += "?" + query.toString();
    else init.body = query;
    return fetch(url, init).then(
      function (response) {
        return response.json().then(function (body) {
          return response.ok ? { body: body } : { error: body.error || { type: "api_error", message: "HTTP " + response.status } };
        }, function () {
          return { error: { type: "api_error", message: "Unreadable response (HTTP " + response.status + ") from " + url } };
        });
      },
      function (reason) {
        return { error: { type: "api_connection_error", message: "Could not reach " + API_BASE + ": " + reason } };
      }
    );
  }

  function Stripe(publishableKey, options) {
    if (!(this instanceof Stripe)) return new Stripe(publishableKey, options);
    if (typeof publishableKey !== "string" || publishableKey === "") {
      throw integrationError("Please call Stripe() with your publishable key. You used an empty string.");
    }
    if (/^(sk|rk)_/.test(publishableKey)) {
      throw integrationError("You should not use your secret key with Stripe.js. Please pass a publishable key instead.");
    }
    var key = publishableKey;

    this.retrieveSetupIntent = function (clientSecret) {
      var id = setupIntentId(clientSecret, "retrieveSetupIntent");
      return request("GET", "/v1/setup_intents/" + encodeURIComponent(id), { key: key, client_secret: clientSecret })
        .then(function (result) {
          return result.error ? { error: result.error } : { setupIntent: result.body };
        });
    };

    this.confirmAmazonPaySetup = function (clientSecret, data) {
      var id = setupIntentId(clientSecret, "confirmAmazonPaySetup");
      data = data || {};
      if (typeof data.return_url !== "string" || data.return_url === "") {
        throw integrationError("Invalid value for confirmAmazonPaySetup: return_url should be set to the URL your customer returns to after authorizing.");
      }
      var params = {
        key: key,
        client_secret: clientSecret,
        return_url: data.return_url,
        mandate_data: data.mandate_data || { customer_acceptance: { type: "online", online: { infer_from_client: true } } },
      };
      // Which PaymentMethod to confirm with: the one passed (an ID, or the fields of a new one),
      // else the one already attached to the intent (the guide's server-side confirm made it),
      // else a new Amazon Pay one. Looking at the intent first keeps a second PaymentMethod from
      // being created for an intent that already has one.
      var chosen = request("GET", "/v1/setup_intents/" + encodeURIComponent(id), { key: key, client_secret: clientSecret })
        .then(function (result) {
          if (result.error) return result;
          if (typeof data.payment_method === "string") {
            params.payment_method = data.payment_method;
          } else if (data.payment_method && typeof data.payment_method === "object") {
            params.payment_method_data = Object.assign({}, data.payment_method, { type: "amazon_pay" });
          } else if (typeof result.body.payment_method === "string" && result.body.payment_method) {
            params.payment_method = result.body.payment_method;
          } else if (result.body.payment_method && result.body.payment_method.id) {
            params.payment_method = result.body.payment_method.id; // expanded
          } else {
            params.payment_method_data = { type: "amazon_pay" };
          }
          return request("POST", "/v1/setup_intents/" + encodeURIComponent(id) + "/confirm", params);
        });
      return chosen.then(function (result) {
        if (result.error) return { error: result.error };
        var intent = result.body;
        var action = intent.next_action;
        if (intent.status === "requires_action" && action && action.type === "redirect_to_url") {
          window.location.assign(action.redirect_to_url.url);
          return new Promise(function () {}); // the page navigates away
        }
        if (intent.last_setup_error) {
          return { error: Object.assign({}, intent.last_setup_error, { setup_intent: intent }) };
        }
        return { setupIntent: intent };
      });
    };
  }

  window.Stripe = Stripe;
})();
