#pragma once

// Runs tests/support/weights_server.py, a local HTTP server on 127.0.0.1 that serves a directory and
// misbehaves on request (dropped connections, HTTP errors, no Range support, slow transfers), and reads
// the log of the requests it received.

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <QTest>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lens::test {

class WeightsServer {
public:
    /// Serves root. Fails the test (fatal) when the server does not come up.
    explicit WeightsServer(const QString& root)
    {
        m_log = m_logDir.filePath("requests.jsonl");
        const QString script = QDir(qEnvironmentVariable("LENS_TEST_SUPPORT")).filePath("weights_server.py");
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(qEnvironmentVariable("LENS_PYTHON", "/usr/bin/python3"),
                        {script, "--root", root, "--log", m_log});
        while (!m_process.canReadLine()) {
            if (!m_process.waitForReadyRead(30000))
                qFatal("the test HTTP server did not start: %s", qPrintable(m_process.errorString()));
        }
        const QByteArray line = m_process.readLine().trimmed();
        if (!line.startsWith("PORT "))
            qFatal("unexpected output from the test HTTP server: %s", line.constData());
        m_port = line.mid(5).toInt();
    }

    ~WeightsServer()
    {
        m_process.kill();
        m_process.waitForFinished(10000);
    }

    int port() const { return m_port; }

    /// http://127.0.0.1:PORT/<mode>/ (see weights_server.py for the modes).
    QString base(const QString& mode = "models") const
    {
        return QString("http://127.0.0.1:%1/%2/").arg(m_port).arg(mode);
    }

    /// The requests received so far, oldest first: method, target, range, user_agent.
    QList<QJsonObject> requests() const
    {
        QList<QJsonObject> out;
        QFile file(m_log);
        if (!file.open(QIODevice::ReadOnly))
            return out;
        for (const QByteArray& line : file.readAll().split('\n')) {
            if (!line.trimmed().isEmpty())
                out << QJsonDocument::fromJson(line).object();
        }
        return out;
    }

private:
    QTemporaryDir m_logDir;
    QString m_log;
    QProcess m_process;
    int m_port = 0;
};

/// A port on 127.0.0.1 where nothing listens: bound to find a free one, then closed.
inline int closedPort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0
        || ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0)
        qFatal("cannot find a free port");
    ::close(fd);
    return ntohs(address.sin_port);
}

} // namespace lens::test
