/* Hyperscan block-mode scanning that hands back every match as arrays, never calling Python per match.
 *
 * Why this exists: the Python binding calls a Python function once per match, and a tolerant
 * lexicon (term fragments that find misspellings, markers of obfuscation) matches ten times more
 * often than the literal terms alone. Collecting matches in C makes a scan cost what hyperscan
 * costs; every step after it works on the arrays (numpy, Arrow).
 *
 *   db = Database(expressions: list[bytes], flags: list[int], literal: bool = False)
 *   db.scan(buffer) -> bytes     # native int64 triples (pattern index, from, to), one per match
 *   words_around(buffer, at: bytes of int64, width) -> bytes  # int64 pairs (start, end) per offset
 *
 * A pattern that cannot be compiled raises CompileError(message, index) naming the pattern.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include <hs.h>

static PyObject *CompileError;

typedef struct {
    PyObject_HEAD
    hs_database_t *db;
    hs_scratch_t *scratch;
    unsigned int count;
} DatabaseObject;

typedef struct {
    int64_t *data;
    size_t len; /* int64 values written */
    size_t cap;
    int failed;
} Collector;

static int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *ctx) {
    (void)flags;
    Collector *c = (Collector *)ctx;
    if (c->len + 3 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 3 * 4096;
        int64_t *grown = (int64_t *)PyMem_RawRealloc(c->data, cap * sizeof(int64_t));
        if (!grown) {
            c->failed = 1;
            return 1; /* stop the scan */
        }
        c->data = grown;
        c->cap = cap;
    }
    c->data[c->len++] = (int64_t)id;
    c->data[c->len++] = (int64_t)from;
    c->data[c->len++] = (int64_t)to;
    return 0;
}

static void Database_dealloc(DatabaseObject *self) {
    if (self->scratch) hs_free_scratch(self->scratch);
    if (self->db) hs_free_database(self->db);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Database_init(DatabaseObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"expressions", "flags", "literal", NULL};
    PyObject *exprs_in, *flags_in;
    int literal = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|p", kwlist, &exprs_in, &flags_in, &literal)) return -1;
    PyObject *exprs = PySequence_Fast(exprs_in, "expressions must be a sequence of bytes");
    if (!exprs) return -1;
    PyObject *flags = PySequence_Fast(flags_in, "flags must be a sequence of int");
    if (!flags) {
        Py_DECREF(exprs);
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(exprs);
    int rc = -1;
    const char **ptrs = NULL;
    size_t *lens = NULL;
    unsigned int *fl = NULL, *ids = NULL;
    if (n == 0 || PySequence_Fast_GET_SIZE(flags) != n) {
        PyErr_SetString(PyExc_ValueError, "need one flag per expression, and at least one expression");
        goto done;
    }
    ptrs = PyMem_Calloc((size_t)n, sizeof(char *));
    lens = PyMem_Calloc((size_t)n, sizeof(size_t));
    fl = PyMem_Calloc((size_t)n, sizeof(unsigned int));
    ids = PyMem_Calloc((size_t)n, sizeof(unsigned int));
    if (!ptrs || !lens || !fl || !ids) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e = PySequence_Fast_GET_ITEM(exprs, i);
        char *p;
        Py_ssize_t len;
        if (PyBytes_AsStringAndSize(e, &p, &len) < 0) goto done;
        if (!literal && (Py_ssize_t)strlen(p) != len) {
            PyErr_Format(PyExc_ValueError, "expression %zd holds a NUL byte (use \\x00)", i);
            goto done;
        }
        ptrs[i] = p;
        lens[i] = (size_t)len;
        fl[i] = (unsigned int)PyLong_AsUnsignedLong(PySequence_Fast_GET_ITEM(flags, i));
        if (PyErr_Occurred()) goto done;
        ids[i] = (unsigned int)i;
    }
    if (self->scratch) hs_free_scratch(self->scratch), self->scratch = NULL;
    if (self->db) hs_free_database(self->db), self->db = NULL;
    hs_compile_error_t *err = NULL;
    hs_error_t status;
    Py_BEGIN_ALLOW_THREADS
    if (literal)
        status = hs_compile_lit_multi(ptrs, fl, ids, lens, (unsigned int)n, HS_MODE_BLOCK, NULL, &self->db, &err);
    else
        status = hs_compile_multi(ptrs, fl, ids, (unsigned int)n, HS_MODE_BLOCK, NULL, &self->db, &err);
    Py_END_ALLOW_THREADS
    if (status != HS_SUCCESS) {
        PyObject *exc = Py_BuildValue("(si)", err ? err->message : "hyperscan could not compile", err ? err->expression : -1);
        if (exc) PyErr_SetObject(CompileError, exc), Py_DECREF(exc);
        if (err) hs_free_compile_error(err);
        self->db = NULL;
        goto done;
    }
    if (hs_alloc_scratch(self->db, &self->scratch) != HS_SUCCESS) {
        PyErr_SetString(PyExc_MemoryError, "hyperscan could not allocate scratch space");
        goto done;
    }
    self->count = (unsigned int)n;
    rc = 0;
done:
    PyMem_Free(ptrs);
    PyMem_Free(lens);
    PyMem_Free(fl);
    PyMem_Free(ids);
    Py_DECREF(exprs);
    Py_DECREF(flags);
    return rc;
}

static PyObject *Database_scan(DatabaseObject *self, PyObject *arg) {
    if (!self->db) {
        PyErr_SetString(PyExc_RuntimeError, "database not compiled");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    Collector c = {NULL, 0, 0, 0};
    hs_error_t status = HS_SUCCESS;
    if (view.len > 0) {
        if (view.len > UINT32_MAX) {
            PyBuffer_Release(&view);
            PyErr_SetString(PyExc_ValueError, "a block scan takes at most 4 GiB");
            return NULL;
        }
        /* the GIL stays held: the scratch belongs to this database and is not shared */
        status = hs_scan(self->db, (const char *)view.buf, (unsigned int)view.len, 0, self->scratch, on_match, &c);
    }
    PyBuffer_Release(&view);
    if (c.failed) {
        PyMem_RawFree(c.data);
        return PyErr_NoMemory();
    }
    if (status != HS_SUCCESS && status != HS_SCAN_TERMINATED) {
        PyMem_RawFree(c.data);
        PyErr_Format(PyExc_RuntimeError, "hyperscan scan failed (%d)", (int)status);
        return NULL;
    }
    PyObject *out = PyBytes_FromStringAndSize((const char *)c.data, (Py_ssize_t)(c.len * sizeof(int64_t)));
    PyMem_RawFree(c.data);
    return out;
}

static PyObject *Database_size(DatabaseObject *self, PyObject *unused) {
    (void)unused;
    return PyLong_FromUnsignedLong(self->count);
}

static int is_letter(unsigned char b) {
    unsigned char low = b | 0x20;
    return low >= 'a' && low <= 'z';
}

/* (start, end) of the ASCII word around each offset; (0, 0) when no word edge lies within `width`
   bytes of the offset on either side (too long to be a term's variant). The buffer's ends are edges. */
static PyObject *words_around(PyObject *mod, PyObject *args) {
    (void)mod;
    Py_buffer buf, at;
    Py_ssize_t width;
    if (!PyArg_ParseTuple(args, "y*y*n", &buf, &at, &width)) return NULL;
    const unsigned char *b = (const unsigned char *)buf.buf;
    const int64_t *pos = (const int64_t *)at.buf;
    Py_ssize_t n = at.len / (Py_ssize_t)sizeof(int64_t);
    PyObject *out = PyBytes_FromStringAndSize(NULL, n * 2 * (Py_ssize_t)sizeof(int64_t));
    if (out) {
        int64_t *o = (int64_t *)PyBytes_AS_STRING(out);
        for (Py_ssize_t k = 0; k < n; k++) {
            int64_t p = pos[k], s = p, e = p;
            while (s - 1 >= p - width && s - 1 >= 0 && is_letter(b[s - 1])) s--;
            while (e <= p + width && e < buf.len && is_letter(b[e])) e++;
            int whole = s - 1 >= p - width && e <= p + width;
            o[2 * k] = whole ? s : 0;
            o[2 * k + 1] = whole ? e : 0;
        }
    }
    PyBuffer_Release(&buf);
    PyBuffer_Release(&at);
    return out;
}

static PyMethodDef Database_methods[] = {
    {"scan", (PyCFunction)Database_scan, METH_O, "Scan a buffer; int64 triples (pattern index, from, to) as bytes."},
    {"size", (PyCFunction)Database_size, METH_NOARGS, "Number of patterns."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject DatabaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "vigil.signals._hsscan.Database",
    .tp_basicsize = sizeof(DatabaseObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A hyperscan block-mode database with its own scratch space.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Database_init,
    .tp_dealloc = (destructor)Database_dealloc,
    .tp_methods = Database_methods,
};

static PyMethodDef module_methods[] = {
    {"words_around", words_around, METH_VARARGS, "(start, end) int64 pairs of the ASCII word around each offset."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_hsscan", "Hyperscan scans that return arrays.", -1, module_methods};

PyMODINIT_FUNC PyInit__hsscan(void) {
    if (PyType_Ready(&DatabaseType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    CompileError = PyErr_NewException("vigil.signals._hsscan.CompileError", PyExc_ValueError, NULL);
    Py_INCREF(&DatabaseType);
    if (PyModule_AddObject(m, "Database", (PyObject *)&DatabaseType) < 0 ||
        PyModule_AddObject(m, "CompileError", CompileError) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    PyModule_AddIntConstant(m, "FLAG_CASELESS", HS_FLAG_CASELESS);
    PyModule_AddIntConstant(m, "FLAG_DOTALL", HS_FLAG_DOTALL);
    PyModule_AddIntConstant(m, "FLAG_MULTILINE", HS_FLAG_MULTILINE);
    PyModule_AddIntConstant(m, "FLAG_SINGLEMATCH", HS_FLAG_SINGLEMATCH);
    PyModule_AddIntConstant(m, "FLAG_ALLOWEMPTY", HS_FLAG_ALLOWEMPTY);
    PyModule_AddIntConstant(m, "FLAG_UTF8", HS_FLAG_UTF8);
    PyModule_AddIntConstant(m, "FLAG_UCP", HS_FLAG_UCP);
    PyModule_AddIntConstant(m, "FLAG_PREFILTER", HS_FLAG_PREFILTER);
    PyModule_AddIntConstant(m, "FLAG_SOM_LEFTMOST", HS_FLAG_SOM_LEFTMOST);
    return m;
}
