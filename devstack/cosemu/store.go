package cosemu

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc64"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Object is what the store keeps about an object besides its bytes.
type Object struct {
	Key         string
	Size        int64
	ETag        string // quoted
	CRC64       uint64 // CRC-64/ECMA as COS reports it in x-cos-hash-crc64ecma
	Modified    time.Time
	ContentType string
	Headers     map[string]string // Cache-Control, Content-Disposition, … and x-cos-meta-*
	ACL         ACL
}

var (
	errNotFound = errors.New("no such object")
	errTaken    = errors.New("object exists")
)

// Check runs on a finished upload before it becomes visible; an error
// cancels it.
type Check func(size int64, md5sum []byte) error

// Part is what the store learnt about a spooled part.
type Part struct {
	Size  int64
	MD5   []byte
	CRC64 uint64
}

// digest computes what COS reports about a body as it streams past.
type digest struct {
	md5 hash.Hash
	crc hash.Hash64
}

func newDigest() *digest { return &digest{md5.New(), crc64.New(crc64.MakeTable(crc64.ECMA))} }

func (d *digest) Write(p []byte) (int, error) {
	d.md5.Write(p)
	d.crc.Write(p)
	return len(p), nil
}

func (d *digest) part(size int64) Part { return Part{size, d.md5.Sum(nil), d.crc.Sum64()} }

// finish runs check and fills in the object's size and digests.
func (d *digest) finish(o *Object, size int64, check Check) error {
	sum := d.md5.Sum(nil)
	if check != nil {
		if err := check(size, sum); err != nil {
			return err
		}
	}
	o.Size, o.CRC64 = size, d.crc.Sum64()
	if o.ETag == "" { // a multipart upload brings its own
		o.ETag = `"` + hex.EncodeToString(sum) + `"`
	}
	if o.Modified.IsZero() {
		o.Modified = time.Now()
	}
	return nil
}

// Store keeps objects. Put makes an object visible atomically, all of it or
// nothing, and with ifAbsent only if the key is free. A Store is safe for
// concurrent use.
//
// Error contract. A store returns three kinds of error, and the server
// turns each into the COS error a real bucket would send (storeError, and
// the handlers beside it), so a store never builds an apiError itself:
//   - errNotFound, from Open (no such object: 404 NoSuchKey) and Unspool
//     (no such part: 400 InvalidPart when completing an upload);
//   - errTaken, from Put with ifAbsent when the key holds an object
//     (409 FileAlreadyExists);
//   - anything else unchanged: the body's read error (io.ErrUnexpectedEOF
//     is 400 IncompleteBody, *http.MaxBytesError 400 EntityTooLarge), the
//     Check's own error (an *apiError such as BadDigest, passed through as
//     it is), or the store's I/O error (500 InternalError).
//
// Callers compare with errors.Is, so an implementation may wrap these.
// After any error from Put or Spool nothing has become visible: the old
// object, or none, stays in place, and a failed Spool leaves no part to
// Unspool (the server Drops it regardless). The emulator has no context to
// honour: each call is bounded by its body, which the server's request
// limits bound.
type Store interface {
	// Put stores body under o.Key once check (nil: none) approves its size
	// and MD5, filling in Size, CRC64, an ETag unless o has one, and
	// Modified unless set.
	Put(o Object, body io.Reader, check Check, ifAbsent bool) (Object, error)
	// Open returns an object and its bytes, which the caller must Close;
	// errNotFound when there is none.
	Open(key string) (Object, io.ReadSeekCloser, error)
	// Delete removes an object; deleting an absent key is no error, as COS
	// answers 204 either way.
	Delete(key string) error
	// Exists reports whether key holds an object; a store that cannot tell
	// answers false, and the Put that follows decides.
	Exists(key string) bool
	// List returns up to limit objects, the most recently written first:
	// the local console shows them. An object that cannot be read (removed
	// or being written meanwhile) is left out rather than failing the list;
	// the error is for a store that cannot be read at all.
	List(limit int) ([]Object, error)
	// Keys returns up to limit objects whose keys begin with prefix and
	// sort strictly after after, in ascending byte order of their keys
	// (UTF-8 binary order, the order GET Bucket lists in). Like List, it
	// leaves out an object that cannot be read; the error is for a store
	// that cannot be read at all.
	Keys(prefix, after string, limit int) ([]Object, error)
	// Spool keeps the bytes of a multipart part until Unspool or Drop;
	// spooling the same id again replaces them.
	Spool(id string, body io.Reader) (Part, error)
	// Unspool returns a spooled part's bytes (errNotFound for an unknown
	// id), which the caller must Close; the part stays until Drop.
	Unspool(id string) (io.ReadCloser, error)
	// Drop forgets a part; dropping an unknown id is a no-op, so it has no
	// error to return.
	Drop(id string)
}

// MemoryStore keeps everything in memory: for tests.
type MemoryStore struct {
	mu      sync.Mutex
	objects map[string]memObject
	spools  map[string][]byte
}

type memObject struct {
	meta Object
	data []byte
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{objects: map[string]memObject{}, spools: map[string][]byte{}}
}

func (m *MemoryStore) Put(o Object, body io.Reader, check Check, ifAbsent bool) (Object, error) {
	d := newDigest()
	data, err := io.ReadAll(io.TeeReader(body, d))
	if err != nil {
		return Object{}, err
	}
	if err := d.finish(&o, int64(len(data)), check); err != nil {
		return Object{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.objects[o.Key]; ok && ifAbsent {
		return Object{}, errTaken
	}
	m.objects[o.Key] = memObject{meta: o, data: data}
	return o, nil
}

func (m *MemoryStore) Open(key string) (Object, io.ReadSeekCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	obj, ok := m.objects[key]
	if !ok {
		return Object{}, nil, errNotFound
	}
	return obj.meta, nopCloser{bytes.NewReader(obj.data)}, nil
}

func (m *MemoryStore) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objects, key)
	return nil
}

func (m *MemoryStore) Exists(key string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.objects[key]
	return ok
}

func (m *MemoryStore) List(limit int) ([]Object, error) {
	m.mu.Lock()
	out := make([]Object, 0, len(m.objects))
	for _, o := range m.objects {
		out = append(out, o.meta)
	}
	m.mu.Unlock()
	return newestFirst(out, limit), nil
}

func (m *MemoryStore) Keys(prefix, after string, limit int) ([]Object, error) {
	m.mu.Lock()
	var out []Object
	for k, o := range m.objects {
		if strings.HasPrefix(k, prefix) && k > after {
			out = append(out, o.meta)
		}
	}
	m.mu.Unlock()
	return firstKeys(out, limit), nil
}

// firstKeys sorts objs by key, bytewise, and keeps the first limit.
func firstKeys(objs []Object, limit int) []Object {
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	if len(objs) > max(limit, 0) {
		objs = objs[:max(limit, 0)]
	}
	return objs
}

func newestFirst(objs []Object, limit int) []Object {
	slices.SortFunc(objs, func(a, b Object) int {
		if c := b.Modified.Compare(a.Modified); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	if len(objs) > limit {
		objs = objs[:limit]
	}
	return objs
}

func (m *MemoryStore) Spool(id string, body io.Reader) (Part, error) {
	d := newDigest()
	data, err := io.ReadAll(io.TeeReader(body, d))
	if err != nil {
		return Part{}, err
	}
	m.mu.Lock()
	m.spools[id] = data
	m.mu.Unlock()
	return d.part(int64(len(data))), nil
}

func (m *MemoryStore) Unspool(id string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.spools[id]
	if !ok {
		return nil, errNotFound
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

func (m *MemoryStore) Drop(id string) {
	m.mu.Lock()
	delete(m.spools, id)
	m.mu.Unlock()
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// DiskStore keeps objects in a folder. Each object is one file, its
// metadata header followed by its bytes, written under tmp/ and renamed
// into place: a reader sees the old object or the new one, never part.
type DiskStore struct {
	dir string
	mu  sync.Mutex // orders the exists-check and rename of ifAbsent puts
}

// Marker is the file NewDiskStore leaves in a data folder it made: only a
// folder holding it is one whose tmp/ and spool/ it may clear.
const Marker = ".cosgate-devdata"

// NewDiskStore uses (and creates) dir. Objects survive restarts; multipart
// uploads live in the server's memory, so parts spooled by an earlier run,
// and writes it left unfinished, are removed: only from a folder this
// store made (it holds Marker), and only the files it names itself. A
// folder holding anything else, -data pointed at a project or home folder
// by mistake, is refused, untouched.
func NewDiskStore(dir string) (*DiskStore, error) {
	if err := claim(dir); err != nil {
		return nil, err
	}
	for _, d := range []string{"objects", "tmp", "spool"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	for _, d := range []string{"tmp", "spool"} {
		if err := clearOwn(filepath.Join(dir, d)); err != nil {
			return nil, err
		}
	}
	return &DiskStore{dir: dir}, nil
}

// claim makes dir this store's: a new or empty folder gets Marker; one
// with Marker already is; one laid out by a store of before Marker (only
// objects/, tmp/ and spool/) is adopted. Anything else is an error.
func claim(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, Marker)); err == nil {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		switch e.Name() {
		case "objects", "tmp", "spool":
			if e.IsDir() {
				continue
			}
		}
		return fmt.Errorf("%s holds files the local stack did not create (%s): choose an empty or new folder", dir, e.Name())
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, Marker),
		[]byte("cosgate-dev's emulated bucket; cosgate-dev clears its tmp/ and spool/ at start.\n"), 0o600)
}

// clearOwn removes the files this store writes in dir (tmp/: put-*,
// part-*; spool/: a SHA-256 in hex), leaving anything else.
func clearOwn(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		own := strings.HasPrefix(n, "put-") || strings.HasPrefix(n, "part-") ||
			len(n) == 64 && strings.Trim(n, "0123456789abcdef") == ""
		if own && e.Type().IsRegular() {
			if err := os.Remove(filepath.Join(dir, n)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *DiskStore) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(d.dir, "objects", hex.EncodeToString(sum[:]))
}

func (d *DiskStore) Put(o Object, body io.Reader, check Check, ifAbsent bool) (Object, error) {
	tmp, err := os.CreateTemp(filepath.Join(d.dir, "tmp"), "put-")
	if err != nil {
		return Object{}, err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	defer tmp.Close()
	// Reserve the header's place; it is written once size and ETag are known.
	if _, err := tmp.Write(make([]byte, headerReserve)); err != nil {
		return Object{}, err
	}
	dg := newDigest()
	n, err := io.Copy(io.MultiWriter(tmp, dg), body)
	if err != nil {
		return Object{}, err
	}
	if err := dg.finish(&o, n, check); err != nil {
		return Object{}, err
	}
	head, err := json.Marshal(o)
	if err != nil || len(head)+4 > headerReserve {
		return Object{}, fmt.Errorf("object metadata too large")
	}
	hdr := make([]byte, headerReserve)
	binary.BigEndian.PutUint32(hdr, uint32(len(head)))
	copy(hdr[4:], head)
	if _, err := tmp.WriteAt(hdr, 0); err != nil {
		return Object{}, err
	}
	if err := tmp.Sync(); err != nil {
		return Object{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if ifAbsent && d.Exists(o.Key) {
		return Object{}, errTaken
	}
	return o, os.Rename(tmp.Name(), d.path(o.Key))
}

// headerReserve is the fixed space for the metadata header.
const headerReserve = 64 << 10

func (d *DiskStore) List(limit int) ([]Object, error) {
	entries, err := os.ReadDir(filepath.Join(d.dir, "objects"))
	if err != nil {
		return nil, err
	}
	// The console polls this: read the headers of the newest files only
	// (and of any written in the same instant as the last of them).
	type file struct {
		name string
		mod  time.Time
	}
	files := make([]file, 0, len(entries))
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			files = append(files, file{e.Name(), info.ModTime()})
		}
	}
	slices.SortFunc(files, func(a, b file) int { return b.mod.Compare(a.mod) })
	cut := min(len(files), limit)
	for cut > 0 && cut < len(files) && files[cut].mod.Equal(files[cut-1].mod) {
		cut++
	}
	var out []Object
	for _, e := range files[:cut] {
		o, body, err := d.open(filepath.Join(d.dir, "objects", e.name))
		if err != nil {
			continue // removed since ReadDir, or half-written by another process
		}
		body.Close()
		out = append(out, o)
	}
	return newestFirst(out, limit), nil
}

// Keys reads every object's metadata header, never a body: files are named
// by a hash of their key, so the key order is only known from the headers.
// That costs a read per object and per call, enough for a local emulator.
func (d *DiskStore) Keys(prefix, after string, limit int) ([]Object, error) {
	dir := filepath.Join(d.dir, "objects")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Object
	for _, e := range entries {
		o, err := d.head(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // removed since ReadDir, or not an object file
		}
		if strings.HasPrefix(o.Key, prefix) && o.Key > after {
			out = append(out, o)
		}
	}
	return firstKeys(out, limit), nil
}

// head reads an object file's metadata header alone.
func (d *DiskStore) head(path string) (Object, error) {
	f, err := os.Open(path)
	if err != nil {
		return Object{}, err
	}
	defer f.Close()
	return readHeader(f)
}

// readHeader decodes the header at the start of an object file: a
// big-endian length, then that many bytes of JSON, within headerReserve.
func readHeader(f *os.File) (Object, error) {
	var n [4]byte
	if _, err := io.ReadFull(f, n[:]); err != nil {
		return Object{}, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > headerReserve-4 {
		return Object{}, fmt.Errorf("%s: object header of %d bytes is corrupt", f.Name(), size)
	}
	head := make([]byte, size)
	if _, err := io.ReadFull(f, head); err != nil {
		return Object{}, err
	}
	var o Object
	if err := json.Unmarshal(head, &o); err != nil {
		return Object{}, err
	}
	return o, nil
}

func (d *DiskStore) Open(key string) (Object, io.ReadSeekCloser, error) { return d.open(d.path(key)) }

func (d *DiskStore) open(path string) (Object, io.ReadSeekCloser, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Object{}, nil, errNotFound
	}
	if err != nil {
		return Object{}, nil, err
	}
	o, err := readHeader(f)
	if err != nil {
		f.Close()
		return Object{}, nil, err
	}
	return o, sectionCloser{io.NewSectionReader(f, headerReserve, o.Size), f}, nil
}

type sectionCloser struct {
	*io.SectionReader
	f *os.File
}

func (s sectionCloser) Close() error { return s.f.Close() }

func (d *DiskStore) Delete(key string) error {
	err := os.Remove(d.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

func (d *DiskStore) Exists(key string) bool {
	_, err := os.Stat(d.path(key))
	return err == nil
}

func (d *DiskStore) spoolPath(id string) string {
	sum := sha256.Sum256([]byte(id))
	return filepath.Join(d.dir, "spool", hex.EncodeToString(sum[:]))
}

func (d *DiskStore) Spool(id string, body io.Reader) (Part, error) {
	tmp, err := os.CreateTemp(filepath.Join(d.dir, "tmp"), "part-")
	if err != nil {
		return Part{}, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	dg := newDigest()
	n, err := io.Copy(io.MultiWriter(tmp, dg), body)
	if err != nil {
		return Part{}, err
	}
	return dg.part(n), os.Rename(tmp.Name(), d.spoolPath(id))
}

func (d *DiskStore) Unspool(id string) (io.ReadCloser, error) {
	f, err := os.Open(d.spoolPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, errNotFound
	}
	return f, err
}

func (d *DiskStore) Drop(id string) { os.Remove(d.spoolPath(id)) }
