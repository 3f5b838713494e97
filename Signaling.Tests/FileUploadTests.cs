using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Time.Testing;
using Signaling.Contracts;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class FileUploadTests : IAsyncLifetime
{
    // A real 1x1 PNG.
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    // Real images Chromium decodes (checked with samples/e2e/rooms.test.mjs): a 2x2 JPEG from its canvas encoder, a 1x1 GIF, a 1x1 lossless WebP.
    private static readonly Dictionary<string, byte[]> Images = new()
    {
        ["image/png"] = Png,
        ["image/jpeg"] = Convert.FromBase64String(
            "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/" +
            "wAARCAACAAIDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAj/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABQn/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCXAA6gr//Z"),
        ["image/gif"] = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"),
        ["image/webp"] = Convert.FromBase64String("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=="),
    };

    private const string LinkKey = "file-links-test-key-0123456789-abcdefghij";

    // Frozen unless a test moves it, so the links handed out at one moment are the same everywhere.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly SignalingApplication _app;
    private TestPeer _alice = null!;
    private TestPeer _bob = null!;
    private HttpClient _aliceHttp = null!;

    public FileUploadTests() => _app = new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Files:UrlLifetime"] = "00:10:00" }, time: _time);

    private string FilesDirectory => Path.Combine(_app.DataDirectory, "files");

    public async Task InitializeAsync()
    {
        _alice = await _app.JoinAsync("alice", "files-room");
        _bob = await _app.JoinAsync("bob", "files-room");
        _aliceHttp = _app.CreateHttpClient(Tokens.Create("alice"));
    }

    [Theory]
    [InlineData("image/png", "photo.png")]
    [InlineData("image/jpeg", "photo.jpg")]
    [InlineData("image/gif", "animation.gif")]
    [InlineData("image/webp", "picture.webp")]
    public async Task A_real_image_is_stored_linked_to_the_uploader_announced_and_downloadable_by_members(string type, string name)
    {
        var image = Images[type];
        // The declared type is the uploader's claim; the content decides.
        var response = await Upload(_aliceHttp, image, name, "application/octet-stream");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var file = (await response.Content.ReadFromJsonAsync<SharedFile>())!;
        Assert.Equal((name, type, image.Length), (file.FileName, file.ContentType, (int)file.Size));
        Assert.Equal($"/api/files/{file.FileId}", response.Headers.Location!.OriginalString);

        var update = await _bob.Next<PeerInfo>(nameof(ISignalingClient.PeerUpdated), p => p.Files.Count > 0);
        Assert.Equal("alice", update.PeerId);
        Assert.Equal(file, Assert.Single(update.Files));

        using var bobHttp = _app.CreateHttpClient(Tokens.Create("bob"));
        var download = await bobHttp.GetAsync($"/api/files/{file.FileId}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(type, download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal(image, await download.Content.ReadAsByteArrayAsync());

        using var anonymous = _app.CreateHttpClient();
        var linked = await anonymous.GetAsync(file.Url);
        Assert.Equal((HttpStatusCode.OK, type), (linked.StatusCode, linked.Content.Headers.ContentType!.MediaType));
        Assert.Equal(image, await linked.Content.ReadAsByteArrayAsync());

        using var http = _app.CreateHttpClient(Tokens.Create("carol"));
        var details = await http.GetFromJsonAsync<Contracts.Http.RoomDetails>("/api/rooms/files-room");
        Assert.Equal(file, details!.Members.Single(m => m.PeerId == "alice").Files.Single());
    }

    [Fact]
    public async Task A_files_url_works_without_a_token_until_it_expires_and_members_get_fresh_ones()
    {
        var file = await UploadedAsync(Png);
        var (expiry, _) = LinkOf(file);
        Assert.InRange(expiry - _time.GetUtcNow().ToUnixTimeSeconds(), (10 * 60 * 3 / 4) + 1, 10 * 60);

        using var anonymous = _app.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(file.Url)).StatusCode);
        await ProblemAssert.Code(await anonymous.GetAsync($"/api/files/{file.FileId}"), HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);

        _time.Advance(TimeSpan.FromMinutes(10));
        await ProblemAssert.Code(await anonymous.GetAsync(file.Url), HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);

        using var member = _app.CreateHttpClient(Tokens.Create("bob", expires: DateTime.UtcNow.AddDays(1)));
        var fresh = (await member.GetFromJsonAsync<Contracts.Http.RoomDetails>("/api/rooms/files-room"))!.Members.Single(m => m.PeerId == "alice").Files.Single();
        Assert.NotEqual(file.Url, fresh.Url);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(fresh.Url)).StatusCode);
    }

    [Fact]
    public async Task A_changed_or_borrowed_link_is_refused()
    {
        var png = await UploadedAsync(Png);
        var gif = await UploadedAsync(Images["image/gif"]);
        var (expiry, signature) = LinkOf(png);
        var (_, gifSignature) = LinkOf(gif);
        var changed = signature[..^1] + (signature[^1] == 'A' ? 'B' : 'A');
        using var anonymous = _app.CreateHttpClient();

        foreach (var url in new[]
        {
            $"/api/files/{png.FileId}?exp={expiry}&sig={changed}",
            $"/api/files/{png.FileId}?exp={expiry}&sig={gifSignature}",
            $"/api/files/{gif.FileId}?exp={expiry}&sig={signature}",
            $"/api/files/{png.FileId}?exp={expiry + 3600}&sig={signature}",
            $"/api/files/{png.FileId}?exp={expiry}",
            $"/api/files/{png.FileId}?sig={signature}",
        })
        {
            await ProblemAssert.Code(await anonymous.GetAsync(url), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        }

        await ProblemAssert.Code(await anonymous.GetAsync($"/api/files/{png.FileId}?exp=soon&sig={signature}"), HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
    }

    [Fact]
    public async Task Links_work_on_every_instance_that_shares_the_signing_key_and_on_no_other()
    {
        var shared = Directory.CreateTempSubdirectory("signaling-links-").FullName;
        try
        {
            string url;
            using (var first = new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Files:UrlSigningKey"] = LinkKey }, shared))
            {
                await using var alice = await first.JoinAsync("alice", "files-room");
                using var aliceHttp = first.CreateHttpClient(Tokens.Create("alice"));
                url = (await (await Upload(aliceHttp, Png, "p.png", "image/png")).Content.ReadFromJsonAsync<SharedFile>())!.Url;
            }

            using (var second = new SignalingApplication(new Dictionary<string, string?>
            {
                ["Signaling:Files:UrlSigningKey"] = LinkKey,
                ["Signaling:Jwt:SigningKey"] = "another-jwt-signing-key-0123456789-abcdefghij",
            }, shared))
            {
                Assert.Equal(HttpStatusCode.OK, (await second.CreateHttpClient().GetAsync(url)).StatusCode);
            }

            using var other = new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Files:UrlSigningKey"] = LinkKey + "-other" }, shared);
            await ProblemAssert.Code(await other.CreateHttpClient().GetAsync(url), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(shared, recursive: true);
        }
    }

    [Fact]
    public void A_link_key_that_cannot_be_used_fails_start_naming_the_key()
    {
        var tooShort = Assert.ThrowsAny<Exception>(() => new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Files:UrlSigningKey"] = "short" }));
        Assert.Contains("Signaling:Files:UrlSigningKey is 5 bytes", ProblemAssert.Messages(tooShort), StringComparison.Ordinal);

        // With an OpenID Connect issuer there is no shared key to derive one from.
        var missing = Assert.ThrowsAny<Exception>(() => new SignalingApplication(new Dictionary<string, string?>
        {
            ["Signaling:Jwt:SigningKey"] = "",
            ["Signaling:Jwt:Authority"] = "https://issuer.example.com",
        }));
        Assert.Contains("Signaling:Files:UrlSigningKey is required", ProblemAssert.Messages(missing), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Documents_and_text_are_accepted_by_content()
    {
        var docx = new MemoryStream();
        using (var zip = new ZipArchive(docx, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var part in new[] { "[Content_Types].xml", "word/document.xml" })
            {
                await using var writer = new StreamWriter(zip.CreateEntry(part).Open());
                await writer.WriteAsync("<xml/>");
            }
        }

        Assert.Equal("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            await UploadedType(docx.ToArray(), "report.docx"));
        Assert.Equal("application/pdf", await UploadedType("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"u8.ToArray(), "doc.pdf"));
        Assert.StartsWith("text/plain", await UploadedType("hello, world\nsecond line\n"u8.ToArray(), "notes.txt"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_executable_renamed_png_is_refused_and_nothing_is_stored()
    {
        var elf = new byte[256];
        new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }.CopyTo(elf, 0);
        elf[4] = 2; elf[16] = 2; elf[18] = 0x3E;
        await ProblemAssert.Code(await Upload(_aliceHttp, elf, "cute-cat.png", "image/png"), HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
        var zip = "PK\x03\x04"u8.ToArray().Concat(new byte[100]).ToArray();
        await ProblemAssert.Code(await Upload(_aliceHttp, zip, "fake.docx", "application/zip"), HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
        Assert.Empty(StoredFiles());
    }

    [Fact]
    public async Task An_eleven_megabyte_file_is_refused_without_being_written()
    {
        var big = new byte[11 * 1024 * 1024];
        Png.CopyTo(big, 0);
        // As curl does for large bodies: the server answers before the body is sent.
        _aliceHttp.DefaultRequestHeaders.ExpectContinue = true;
        var response = await Upload(_aliceHttp, big, "huge.png", "image/png");
        await ProblemAssert.Code(response, HttpStatusCode.RequestEntityTooLarge, ErrorCodes.PayloadTooLarge);
        Assert.Empty(StoredFiles());
    }

    [Fact]
    public async Task A_path_traversal_name_is_stored_safely()
    {
        var response = await Upload(_aliceHttp, Png, "../../../../etc/passwd.png", "image/png");
        var file = (await response.Content.ReadFromJsonAsync<SharedFile>())!;
        Assert.Equal("passwd.png", file.FileName);
        var stored = Assert.Single(StoredFiles());
        Assert.StartsWith(Path.GetFullPath(FilesDirectory), Path.GetFullPath(stored), StringComparison.Ordinal);
        Assert.Equal(file.FileId, Path.GetFileName(stored));
    }

    [Fact]
    public async Task Non_members_can_neither_upload_nor_download_with_their_token()
    {
        var file = await UploadedAsync(Png);
        using var outsider = _app.CreateHttpClient(Tokens.Create("mallory"));
        await ProblemAssert.Code(await outsider.GetAsync($"/api/files/{file.FileId}"), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await ProblemAssert.Code(await Upload(outsider, Png, "p.png", "image/png"), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        Assert.Single(StoredFiles());
    }

    private async Task<string> UploadedType(byte[] content, string name)
    {
        var response = await Upload(_aliceHttp, content, name, "application/octet-stream");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SharedFile>())!.ContentType;
    }

    private async Task<SharedFile> UploadedAsync(byte[] content)
    {
        var response = await Upload(_aliceHttp, content, "file", "application/octet-stream");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SharedFile>())!;
    }

    private static (long Expiry, string Signature) LinkOf(SharedFile file)
    {
        var query = QueryHelpers.ParseQuery(new Uri(new Uri("http://service"), file.Url).Query);
        Assert.StartsWith($"/api/files/{file.FileId}?", file.Url, StringComparison.Ordinal);
        return (long.Parse(query["exp"]!, CultureInfo.InvariantCulture), query["sig"]!);
    }

    private static Task<HttpResponseMessage> Upload(HttpClient http, byte[] content, string name, string declaredType)
    {
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = new MediaTypeHeaderValue(declaredType);
        var form = new MultipartFormDataContent { { part, "file", name } };
        return http.PostAsync("/api/rooms/files-room/files", form);
    }


    private string[] StoredFiles() =>
        Directory.Exists(FilesDirectory) ? Directory.GetFiles(FilesDirectory, "*", SearchOption.AllDirectories) : [];

    public async Task DisposeAsync()
    {
        _aliceHttp.Dispose();
        await _alice.DisposeAsync();
        await _bob.DisposeAsync();
        _app.Dispose();
    }
}
