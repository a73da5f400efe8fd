/*
 * Heartbeat client for the heartbeat monitor, for embedded Linux gateways: C99 on libcurl.
 *
 *   heartbeat --url URL --device ID --token TOKEN [--interval N] [--grace N] [--every N]
 *             [--count N] [--fail] [--message TEXT] [--timeout S] [--retries N]
 *             [--backoff S] [--jitter S]
 *
 * --url, --device and --token default to HEARTBEAT_URL, HEARTBEAT_DEVICE_ID, HEARTBEAT_TOKEN.
 * Exit 0 when every beat was recorded, 1 when one was not, 2 for a usage error.
 *
 * One curl easy handle is kept for the life of the process, so every beat rides the same
 * connection (libcurl's connection cache), with TCP keepalive after 60 s idle, every 10 s, 3
 * probes: a dead path is noticed in 90 s, not the kernel's 2 h 11 min. Network errors, timeouts,
 * 429 and 5xx are retried with exponential backoff and full jitter, honouring Retry-After; other
 * 4xx are final and print the service's message. See README.md.
 */
#include <curl/curl.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define VERSION "1.0.0"
#define KEEPALIVE_IDLE_S 60L
#define KEEPALIVE_INTERVAL_S 10L
#define KEEPALIVE_COUNT 3
#define BACKOFF_CAP_S 60.0
#define RETRY_AFTER_CAP_S 600.0
#define MAX_BODY 8192

static volatile sig_atomic_t stopping = 0;

static void on_signal(int signo) {
  (void)signo;
  stopping = 1;
}

struct options {
  const char *url;
  const char *device;
  const char *token;
  long interval; /* -1: not sent */
  long grace;    /* -1: not sent */
  double every;  /* <= 0: no loop */
  long count;    /* -1: until stopped */
  int fail;
  const char *message;
  double timeout;
  long retries;
  double backoff;
  double jitter; /* < 0: the default */
};

/* A growing buffer for the answer's body (kept short: only the error message is read from it). */
struct buffer {
  char data[MAX_BODY];
  size_t length;
};

static size_t on_body(char *chunk, size_t size, size_t count, void *user) {
  struct buffer *buffer = user;
  size_t bytes = size * count;
  size_t room = sizeof(buffer->data) - 1 - buffer->length;
  size_t take = bytes < room ? bytes : room;
  memcpy(buffer->data + buffer->length, chunk, take);
  buffer->length += take;
  buffer->data[buffer->length] = '\0';
  return bytes; /* the rest is dropped, not an error */
}

/* TCP keepalive count, which curl (before 8.9) has no option for; idle and interval are options. */
static int on_socket(void *user, curl_socket_t fd, curlsocktype purpose) {
  (void)user;
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKOPT_OK;
#ifdef TCP_KEEPCNT
  int count = KEEPALIVE_COUNT;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
#else
  (void)fd;
#endif
  return CURL_SOCKOPT_OK;
}

/* --- randomness and time ---------------------------------------------------------------------- */

static uint64_t random_state;

/* Seeds from the kernel: devices booted in the same second must not draw the same "random" waits. */
static void seed_random(void) {
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd >= 0) {
    if (read(fd, &random_state, sizeof random_state) != (ssize_t)sizeof random_state) random_state = 0;
    close(fd);
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  random_state ^= ((uint64_t)now.tv_nsec << 20) ^ (uint64_t)getpid() ^ 0x9E3779B97F4A7C15ULL;
  if (random_state == 0) random_state = 1;
}

/* Uniform in [0, 1): xorshift64*. */
static double random_unit(void) {
  random_state ^= random_state >> 12;
  random_state ^= random_state << 25;
  random_state ^= random_state >> 27;
  return (double)((random_state * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static double monotonic_s(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Sleeps `seconds`, ending early when a signal asks us to stop. */
static void pause_s(double seconds) {
  double until = monotonic_s() + seconds;
  while (!stopping) {
    double left = until - monotonic_s();
    if (left <= 0) return;
    struct timespec wait = {(time_t)left, (long)((left - floor(left)) * 1e9)};
    nanosleep(&wait, NULL); /* EINTR on a signal: the loop looks at `stopping` */
  }
}

/* --- JSON ------------------------------------------------------------------------------------- */

/* Appends `text` as a JSON string; control characters are escaped, UTF-8 passes through. */
static int append_json_string(char *out, size_t size, size_t *at, const char *text) {
  static const char hex[] = "0123456789abcdef";
  if (*at + 1 >= size) return -1;
  out[(*at)++] = '"';
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    char escaped[7];
    size_t n = 0;
    if (*p == '"' || *p == '\\') {
      escaped[n++] = '\\';
      escaped[n++] = (char)*p;
    } else if (*p == '\n') {
      escaped[n++] = '\\';
      escaped[n++] = 'n';
    } else if (*p == '\t') {
      escaped[n++] = '\\';
      escaped[n++] = 't';
    } else if (*p < 0x20) {
      memcpy(escaped, "\\u00", 4);
      n = 4;
      escaped[n++] = hex[*p >> 4];
      escaped[n++] = hex[*p & 15];
    } else {
      escaped[n++] = (char)*p;
    }
    if (*at + n + 1 >= size) return -1;
    memcpy(out + *at, escaped, n);
    *at += n;
  }
  if (*at + 2 >= size) return -1;
  out[(*at)++] = '"';
  out[*at] = '\0';
  return 0;
}

/* The value of the first "key": "string" in `json` (escapes \" and \\ undone), or "" when absent. */
static void json_string_field(const char *json, const char *key, char *out, size_t size) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\"", key);
  out[0] = '\0';
  const char *p = strstr(json, pattern);
  if (!p) return;
  p += strlen(pattern);
  while (*p == ' ' || *p == ':') p++;
  if (*p != '"') return;
  p++;
  size_t n = 0;
  while (*p && *p != '"' && n + 1 < size) {
    if (*p == '\\' && p[1]) p++;
    out[n++] = *p++;
  }
  out[n] = '\0';
}

/* --- one beat ------------------------------------------------------------------------------------ */

struct client {
  CURL *curl;
  struct curl_slist *headers;
  char endpoint[2048];
  char error[CURL_ERROR_SIZE];
  struct buffer answer; /* the body of the last answer (CURLOPT_WRITEDATA) */
  const struct options *options;
};

enum outcome { RECORDED, FINAL, RETRYABLE };

/* One request. Fills `why` with a line for a person, and `retry_after` (seconds, or -1). */
static enum outcome attempt(struct client *client, const char *body, char *why, size_t why_size, double *retry_after) {
  struct buffer *answer = &client->answer;
  answer->length = 0;
  answer->data[0] = '\0';
  client->error[0] = '\0';
  *retry_after = -1;
  curl_easy_setopt(client->curl, CURLOPT_POSTFIELDS, body);
  CURLcode result = curl_easy_perform(client->curl);
  if (result == CURLE_OPERATION_TIMEDOUT) {
    snprintf(why, why_size, "timed out after %gs", client->options->timeout);
    return RETRYABLE;
  }
  if (result != CURLE_OK) {
    snprintf(why, why_size, "network error: %s", client->error[0] ? client->error : curl_easy_strerror(result));
    return RETRYABLE;
  }
  long status = 0;
  curl_easy_getinfo(client->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) return RECORDED;
  char code[64], message[512];
  json_string_field(answer->data, "code", code, sizeof code);
  json_string_field(answer->data, "message", message, sizeof message);
  if (code[0])
    snprintf(why, why_size, "HTTP %ld %s: %s", status, code, message);
  else if (message[0])
    snprintf(why, why_size, "HTTP %ld: %s", status, message);
  else
    snprintf(why, why_size, "HTTP %ld: %.200s", status, answer->data);
  if (status != 429 && status < 500) return FINAL;
  /* libcurl answers 0 both for "Retry-After: 0" and for no header: either way, our own backoff. */
  curl_off_t after = 0;
  if (curl_easy_getinfo(client->curl, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0) *retry_after = (double)after;
  return RETRYABLE;
}

/* One beat with its retries; prints the answer or the failure; returns 1 when recorded. */
static int beat(struct client *client, const char *body) {
  const struct options *options = client->options;
  char why[1024];
  for (long n = 0;; n++) {
    double retry_after;
    enum outcome outcome = attempt(client, body, why, sizeof why, &retry_after);
    if (outcome == RECORDED) {
      printf("200 %s\n", client->answer.data);
      fflush(stdout);
      return 1;
    }
    if (outcome == FINAL || stopping) {
      fprintf(stderr, "heartbeat: %s\n", why);
      return 0;
    }
    if (n >= options->retries) {
      if (options->retries > 0)
        fprintf(stderr, "heartbeat: giving up after %ld attempts: %s\n", n + 1, why);
      else
        fprintf(stderr, "heartbeat: %s\n", why);
      return 0;
    }
    double delay;
    if (retry_after >= 0) {
      delay = retry_after < RETRY_AFTER_CAP_S ? retry_after : RETRY_AFTER_CAP_S;
      fprintf(stderr, "heartbeat: retry %ld/%ld in %.3fs (Retry-After): %s\n", n + 1, options->retries, delay, why);
    } else {
      double cap = options->backoff * pow(2.0, (double)n);
      if (cap > BACKOFF_CAP_S) cap = BACKOFF_CAP_S;
      delay = random_unit() * cap; /* full jitter */
      fprintf(stderr, "heartbeat: retry %ld/%ld in %.3fs (backoff cap %.3fs): %s\n", n + 1, options->retries, delay, cap, why);
    }
    pause_s(delay);
    if (stopping) return 0;
  }
}

/* --- command line ------------------------------------------------------------------------------ */

static void usage(const char *problem) {
  FILE *to = problem ? stderr : stdout;
  if (problem) fprintf(to, "heartbeat: %s\n", problem);
  fprintf(to,
          "usage: heartbeat --url URL --device ID --token TOKEN [--interval N] [--grace N] [--every N]\n"
          "                 [--count N] [--fail] [--message TEXT] [--timeout S] [--retries N]\n"
          "                 [--backoff S] [--jitter S]\n"
          "(--url, --device, --token default to HEARTBEAT_URL, HEARTBEAT_DEVICE_ID, HEARTBEAT_TOKEN)\n");
  exit(problem ? 2 : 0);
}

static long whole(const char *flag, const char *text, long min) {
  char *end;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno || end == text || *end || value < min) {
    char line[128];
    snprintf(line, sizeof line, "%s must be a whole number of at least %ld", flag, min);
    usage(line);
  }
  return value;
}

static double seconds(const char *flag, const char *text, int above_zero) {
  char *end;
  errno = 0;
  double value = strtod(text, &end);
  if (errno || end == text || *end || value < 0 || (above_zero && value <= 0) || value != value) {
    char line[128];
    snprintf(line, sizeof line, "%s must be a number of seconds%s", flag, above_zero ? " above 0" : "");
    usage(line);
  }
  return value;
}

static void parse(int argc, char **argv, struct options *o) {
  o->url = getenv("HEARTBEAT_URL");
  o->device = getenv("HEARTBEAT_DEVICE_ID");
  o->token = getenv("HEARTBEAT_TOKEN");
  o->interval = o->grace = o->count = -1;
  o->every = 0;
  o->fail = 0;
  o->message = NULL;
  o->timeout = 10;
  o->retries = 5;
  o->backoff = 1;
  o->jitter = -1;
  for (int i = 1; i < argc; i++) {
    const char *flag = argv[i];
    if (strcmp(flag, "--fail") == 0) {
      o->fail = 1;
      continue;
    }
    if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) usage(NULL);
    if (i + 1 >= argc) {
      char line[128];
      snprintf(line, sizeof line, "%.64s needs a value", flag);
      usage(line);
    }
    const char *value = argv[++i];
    if (strcmp(flag, "--url") == 0) o->url = value;
    else if (strcmp(flag, "--device") == 0) o->device = value;
    else if (strcmp(flag, "--token") == 0) o->token = value;
    else if (strcmp(flag, "--interval") == 0) o->interval = whole(flag, value, 0);
    else if (strcmp(flag, "--grace") == 0) o->grace = whole(flag, value, 0);
    else if (strcmp(flag, "--every") == 0) o->every = seconds(flag, value, 1);
    else if (strcmp(flag, "--count") == 0) o->count = whole(flag, value, 1);
    else if (strcmp(flag, "--message") == 0) o->message = value;
    else if (strcmp(flag, "--timeout") == 0) o->timeout = seconds(flag, value, 1);
    else if (strcmp(flag, "--retries") == 0) o->retries = whole(flag, value, 0);
    else if (strcmp(flag, "--backoff") == 0) o->backoff = seconds(flag, value, 0);
    else if (strcmp(flag, "--jitter") == 0) o->jitter = seconds(flag, value, 0);
    else {
      char line[128];
      snprintf(line, sizeof line, "unknown option %.64s", flag);
      usage(line);
    }
  }
  if (!o->url || !*o->url) usage("--url is required (or set HEARTBEAT_URL)");
  if (!o->device || !*o->device) usage("--device is required (or set HEARTBEAT_DEVICE_ID)");
  if (!o->token || !*o->token) usage("--token is required (or set HEARTBEAT_TOKEN)");
  if (strncmp(o->url, "http://", 7) != 0 && strncmp(o->url, "https://", 8) != 0) usage("--url must start with http:// or https://");
  if (o->count > 1 && o->every <= 0) usage("--count above 1 needs --every");
  if (o->count < 0) o->count = o->every > 0 ? -1 : 1;
  if (o->jitter < 0) o->jitter = o->every > 0 ? (o->every < 30 ? o->every : 30) : 0;
}

static int build_body(const struct options *o, char *body, size_t size) {
  int n = snprintf(body, size, "{\"status\":\"%s\"", o->fail ? "fail" : "ok");
  if (n < 0 || (size_t)n >= size) return -1;
  size_t at = (size_t)n;
  if (o->interval >= 0) at += (size_t)snprintf(body + at, size - at, ",\"interval\":%ld", o->interval);
  if (o->grace >= 0) at += (size_t)snprintf(body + at, size - at, ",\"grace\":%ld", o->grace);
  if (o->message) {
    if (at + 12 >= size) return -1;
    memcpy(body + at, ",\"message\":", 11);
    at += 11;
    if (append_json_string(body, size, &at, o->message) != 0) return -1;
  }
  if (at + 2 >= size) return -1;
  body[at++] = '}';
  body[at] = '\0';
  return 0;
}

/* The device id as a path segment: it is limited to A-Z a-z 0-9 . _ : -, and ':' is escaped. */
static int build_endpoint(const struct options *o, char *out, size_t size) {
  size_t base = strlen(o->url);
  while (base > 0 && o->url[base - 1] == '/') base--;
  int n = snprintf(out, size, "%.*s/v1/heartbeats/", (int)base, o->url);
  if (n < 0 || (size_t)n >= size) return -1;
  size_t at = (size_t)n;
  for (const char *p = o->device; *p; p++) {
    if (at + 4 >= size) return -1;
    if (*p == ':') {
      memcpy(out + at, "%3A", 3);
      at += 3;
    } else {
      out[at++] = *p;
    }
  }
  out[at] = '\0';
  return 0;
}

int main(int argc, char **argv) {
  struct options options;
  parse(argc, argv, &options);
  seed_random();

  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal; /* no SA_RESTART: a signal cuts a wait short */
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);

  char body[4096];
  if (build_body(&options, body, sizeof body) != 0) usage("--message is too long for a beat (at most 256 characters)");

  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    fprintf(stderr, "heartbeat: libcurl failed to start\n");
    return 1;
  }
  struct client client = {.options = &options};
  if (build_endpoint(&options, client.endpoint, sizeof client.endpoint) != 0) usage("--url is too long");
  client.curl = curl_easy_init();
  if (!client.curl) {
    fprintf(stderr, "heartbeat: libcurl failed to start\n");
    return 1;
  }
  size_t auth_size = strlen(options.token) + 32;
  char *authorization = malloc(auth_size);
  if (!authorization) return 1;
  snprintf(authorization, auth_size, "Authorization: Bearer %s", options.token);
  client.headers = curl_slist_append(NULL, authorization);
  client.headers = curl_slist_append(client.headers, "Content-Type: application/json; charset=utf-8");
  client.headers = curl_slist_append(client.headers, "Accept: application/json");
  client.headers = curl_slist_append(client.headers, "Expect:"); /* no 100-continue round trip */

  CURL *curl = client.curl;
  curl_easy_setopt(curl, CURLOPT_URL, client.endpoint);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, client.headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "heartbeat-c/" VERSION);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &client.answer);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, client.error);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(options.timeout * 1000));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(options.timeout * 1000));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPIDLE, KEEPALIVE_IDLE_S);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPINTVL, KEEPALIVE_INTERVAL_S);
  curl_easy_setopt(curl, CURLOPT_SOCKOPTFUNCTION, on_socket);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif

  long failures = 0, sent = 0;
  double first = random_unit() * options.jitter;
  if (options.jitter > 0) {
    printf("heartbeat: first beat in %.3fs (jitter up to %gs)\n", first, options.jitter);
    fflush(stdout);
  }
  double next_at = monotonic_s() + first;
  while (!stopping && (options.count < 0 || sent < options.count)) {
    pause_s(next_at - monotonic_s());
    if (stopping) break;
    if (!beat(&client, body) && !stopping) failures++;
    sent++;
    if (options.every > 0) {
      /* Fixed rate: slow beats (retries) do not push the schedule back; slots already past are skipped. */
      next_at += options.every;
      while (next_at < monotonic_s()) next_at += options.every;
    }
  }

  curl_slist_free_all(client.headers);
  free(authorization);
  curl_easy_cleanup(curl);
  curl_global_cleanup();
  return failures > 0 ? 1 : 0;
}
