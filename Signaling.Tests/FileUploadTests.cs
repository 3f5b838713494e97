using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Signaling.Contracts;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class FileUploadTests : IAsyncLifetime
{
    // A real 1x1 PNG.
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private readonly SignalingApplication _app = new();
    private TestPeer _alice = null!;
    private TestPeer _bob = null!;
    private HttpClient _aliceHttp = null!;

    private string FilesDirectory => Path.Combine(_app.DataDirectory, "files");

    public async Task InitializeAsync()
    {
        _alice = await _app.JoinAsync("alice", "files-room");
        _bob = await _app.JoinAsync("bob", "files-room");
        _aliceHttp = _app.CreateHttpClient(Tokens.Create("alice"));
    }

    [Fact]
    public async Task A_real_png_is_stored_linked_to_the_uploader_announced_and_downloadable_by_members()
    {
        var response = await Upload(_aliceHttp, Png, "photo.png", "image/png");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var file = (await response.Content.ReadFromJsonAsync<SharedFile>())!;
        Assert.Equal(("photo.png", "image/png", Png.Length), (file.FileName, file.ContentType, (int)file.Size));

        var update = await _bob.Next<PeerInfo>(nameof(ISignalingClient.PeerUpdated), p => p.Files.Count > 0);
        Assert.Equal("alice", update.PeerId);
        Assert.Equal(file, Assert.Single(update.Files));

        using var bobHttp = _app.CreateHttpClient(Tokens.Create("bob"));
        var download = await bobHttp.GetAsync(file.Url);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("image/png", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal(Png, await download.Content.ReadAsByteArrayAsync());

        using var http = _app.CreateHttpClient(Tokens.Create("carol"));
        var details = await http.GetFromJsonAsync<Contracts.Http.RoomDetails>("/api/rooms/files-room");
        Assert.Equal(file, details!.Members.Single(m => m.PeerId == "alice").Files.Single());
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
    public async Task Non_members_can_neither_upload_nor_download()
    {
        var file = (await (await Upload(_aliceHttp, Png, "p.png", "image/png")).Content.ReadFromJsonAsync<SharedFile>())!;
        using var outsider = _app.CreateHttpClient(Tokens.Create("mallory"));
        await ProblemAssert.Code(await outsider.GetAsync(file.Url), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await ProblemAssert.Code(await Upload(outsider, Png, "p.png", "image/png"), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        Assert.Single(StoredFiles());
    }

    private async Task<string> UploadedType(byte[] content, string name)
    {
        var response = await Upload(_aliceHttp, content, name, "application/octet-stream");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SharedFile>())!.ContentType;
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
