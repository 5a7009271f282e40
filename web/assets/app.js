// Care Placement Planner: start GOV.UK Frontend.
//
// GOV.UK Frontend's page template does this with an inline script at the top
// of <body>:
//   document.body.className += ' js-enabled' +
//     ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
// Our Content-Security-Policy forbids inline script, so this module does it
// instead. A browser that runs an ES module always passes the `noModule`
// test, so both classes are added unconditionally. They must be on <body>
// before initAll(), which does nothing unless `govuk-frontend-supported` is
// present.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initAll()
