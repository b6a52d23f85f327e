import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 486:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _main_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(50);
// Entry point of the CLI bundle (cli/dist/index.js) and of `node src/cli/index.ts` in development.

process.exitCode = await (0,_main_js__WEBPACK_IMPORTED_MODULE_0__/* .main */ .i)(process.argv.slice(2));

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 50:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  i: () => (/* binding */ main)
});

;// CONCATENATED MODULE: ./src/errors.ts
// One error type for everything a user can act on. Shells print `message` and `fix` and exit non-zero.
class errors_TollgateError extends Error {
    fix;
    file;
    line;
    field;
    constructor(message, details = {}) {
        super(message, details.cause === undefined ? undefined : { cause: details.cause });
        this.name = 'TollgateError';
        this.fix = details.fix;
        this.file = details.file;
        this.line = details.line;
        this.field = details.field;
    }
}
/** A one-paragraph rendering for terminals and job summaries: where, what, and what to do. */
function describeError(error) {
    if (!(error instanceof errors_TollgateError))
        return error instanceof Error ? error.message : String(error);
    const where = error.file
        ? `${error.file}${error.line ? `:${error.line}` : ''}${error.field ? ` (${error.field})` : ''}: `
        : '';
    return `${where}${error.message}${error.fix ? `\n  fix: ${error.fix}` : ''}`;
}

;// CONCATENATED MODULE: ./src/cli/commands/index.ts
const commands = [];

;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");
;// CONCATENATED MODULE: external "node:fs"
const external_node_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
;// CONCATENATED MODULE: external "node:util"
const external_node_util_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");
;// CONCATENATED MODULE: ./src/cli/context.ts
// Global options shared by every command, and the context a command runs in.





/** Takes `-C DIR` and `--registry PATH` from the front of argv, like git; everything after goes to the command. */
function parseGlobalOptions(argv, env) {
    let dir = process.cwd();
    let registry;
    let i = 0;
    for (; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === '-C' || arg === '--registry') {
            const value = argv[++i];
            if (value === undefined)
                throw new errors_TollgateError(`${arg} needs a value`, { fix: `tollgate ${arg} PATH <command>` });
            if (arg === '-C')
                dir = (0,external_node_path_namespaceObject.resolve)(dir, value);
            else
                registry = value;
        }
        else
            break;
    }
    if (!(0,external_node_fs_namespaceObject.existsSync)(dir))
        throw new errors_TollgateError(`-C ${dir}: no such directory`);
    const repoRoot = gitTopLevel(dir) ?? dir;
    const registryDir = registry === undefined
        ? (0,external_node_path_namespaceObject.resolve)(repoRoot, 'registry')
        : (0,external_node_path_namespaceObject.isAbsolute)(registry)
            ? registry
            : (0,external_node_path_namespaceObject.resolve)(dir, registry);
    return {
        context: {
            cwd: dir,
            repoRoot,
            registryDir,
            env,
            now: () => new Date(env.TOLLGATE_NOW ?? Date.now()),
            out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
            err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
        },
        rest: argv.slice(i),
    };
}
function gitTopLevel(dir) {
    try {
        return (0,external_node_child_process_namespaceObject.execFileSync)('git', ['rev-parse', '--show-toplevel'], {
            cwd: dir,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'ignore'],
        }).trim();
    }
    catch {
        return undefined;
    }
}
/** parseArgs with the project's conventions: unknown options are errors that name the command's usage. */
function parseCommandArgs(command, args, options, allowPositionals = true) {
    try {
        return parseArgs({ args, options, allowPositionals, strict: true });
    }
    catch (error) {
        throw new TollgateError(`${command}: ${error.message}`, {
            fix: `run \`tollgate help\` for ${command}'s options`,
        });
    }
}
function usage(commands) {
    const width = Math.max(...commands.map((c) => c.name.length));
    return [
        'usage: tollgate [-C DIR] [--registry PATH] <command> [options]',
        '',
        ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
        '',
        'Mutating commands take --dry-run; reading commands take --format json.',
    ].join('\n');
}

;// CONCATENATED MODULE: ./src/cli/main.ts
// The `tollgate` command: parses global options, then hands the rest to one command module.



async function main(argv, env = process.env) {
    try {
        const { context, rest } = parseGlobalOptions(argv, env);
        const [name, ...args] = rest;
        if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
            context.out(usage(commands));
            return name === undefined ? 1 : 0;
        }
        const command = commands.find((c) => c.name === name);
        if (!command)
            throw new errors_TollgateError(`unknown command "${name}"`, { fix: 'run `tollgate help` for the list' });
        return await command.run(args, context);
    }
    catch (error) {
        process.stderr.write(`tollgate: ${describeError(error)}\n`);
        return 2;
    }
}


/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(486);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
