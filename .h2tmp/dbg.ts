const attacks = await import('../test/helpers/saml-attacks.js');
const kit = await attacks.createAttackKit();
console.log(attacks.validAssertionSigned(kit).xml);
