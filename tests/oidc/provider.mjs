// A real OpenID provider for the tests (npm `oidc-provider`), started by tests/oidc/provider.py.
//
//   node tests/oidc/provider.mjs '<json>'   with {"port": 5001, "clients": [...]}
//
// Whoever signs in on its development login form is the test identity named by the login:
// the login is a codice fiscale and the identity carries it as SPID gateways do, in
// `fiscalNumber` = "TINIT-<CF>" (claim of the `profile` scope, read from UserInfo).
// Consent is granted at once, as a first-party gateway does. Prints "READY <issuer>" when up.
import Provider from "oidc-provider";

const config = JSON.parse(process.argv[2]);
const issuer = `http://127.0.0.1:${config.port}`;

const provider = new Provider(issuer, {
  clients: config.clients,
  cookies: { keys: ["campanella-test-provider"] },
  claims: { openid: ["sub"], profile: ["fiscalNumber", "name"] },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, fiscalNumber: `TINIT-${id}`, name: `Identità ${id}` };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid profile");
    await grant.save();
    return grant;
  },
});

provider.listen(config.port, "127.0.0.1", () => {
  console.log(`READY ${issuer}`);
});
