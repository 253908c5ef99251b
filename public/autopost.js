// Submits the SSO hand-off form as soon as the page loads (SAML HTTP-POST binding). A file, not
// inline script, so the Content-Security-Policy can forbid inline script; without JavaScript the
// page shows a Continue button instead.
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('autopost');
  if (form) form.submit();
});
