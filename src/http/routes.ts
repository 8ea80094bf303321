// Importing this module registers every feature's routes on the HTTP server (see server.ts).
// Features add one import line here.
export {};
import '../surveys/routes.js';
import '../bulletins/http-routes.js';
import '../surveys/opt-out-routes.js';
import '../knowledge/http-routes.js';
import '../knowledge/solved-routes.js';
