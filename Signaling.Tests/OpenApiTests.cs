using System.Text.Json;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

public sealed class OpenApiTests
{
    [Fact]
    public async Task The_openapi_document_lists_every_http_route()
    {
        using var app = new SignalingApplication();
        using var http = app.CreateHttpClient();
        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        var operations = paths.EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}"))
            .ToHashSet();

        string[] expected =
        [
            "POST /api/rooms", "GET /api/rooms", "GET /api/rooms/{roomId}", "DELETE /api/rooms/{roomId}",
            "POST /api/rooms/{roomId}/tokens", "POST /api/rooms/{roomId}/files", "GET /api/files/{fileId}",
            "GET /api/ice-servers", "POST /api/dev/tokens",
            "GET /api/admin/clients", "GET /api/admin/clients/{clientId}/history", "POST /api/admin/clients/{clientId}/connect-requests",
            "DELETE /api/admin/connect-requests/{requestId}", "GET /api/admin/connect-requests", "GET /api/admin/analytics",
            "GET /", "GET /health", "GET /health/live", "GET /health/ready", "GET /api/stats",
        ];
        Assert.All(expected, route => Assert.Contains(route, operations));
    }
}
